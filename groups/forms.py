"""Staff forms for rooms, groups, meetings and memberships: validation and clear messages.

The forms check what staff can fix themselves (a date on the wrong weekday, a name already
in use, a time that has passed); the services check the rules that need the database (a
room that is taken, a full group) and say why in their own message.
"""

import re
from datetime import date, datetime

from django import forms
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from groups import proposals
from groups.enums import Frequency, LeaveReason
from groups.models import Group, Room
from groups.schedule import MAX_MINUTES, MIN_MINUTES, OSLO
from intake.forms.fields import clean_text
from selvhjelp import bitsets
from selvhjelp.enums import Language, Weekday
from selvhjelp.models import Centre, Theme

MIXED = "mixed"
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
TIME_FORMATS = ["%H:%M", "%H.%M"]


def weekday_label(weekday: int) -> str:
    """The weekday's name (0 = Monday), e.g. "mandag"."""
    return str(Weekday(Weekday.values[weekday]).label)


def weekday_choices() -> list[tuple[int, str]]:
    return [(n, capfirst(weekday_label(n))) for n in range(7)]


def show_date(day: date) -> str:
    return formats.date_format(day, "d.m.Y")


def date_field(label, *, required=True, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter the date as day.month.year, e.g. 24.11.2026."),
            "required": _("Choose a date."),
        },
    )


def time_field(label, *, help_text="") -> forms.TimeField:
    return forms.TimeField(
        label=label,
        help_text=help_text,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "invalid": _("Enter the time as hours:minutes, e.g. 18:00."),
            "required": _("Choose a time."),
        },
    )


def minutes_field(label, *, help_text="") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        error_messages={
            "min_value": _("A meeting lasts at least %(limit_value)s minutes."),
            "max_value": _("A meeting lasts at most %(limit_value)s minutes (3 hours)."),
            "invalid": _("Enter the length in whole minutes, e.g. 120."),
            "required": _("Enter the length in minutes."),
        },
    )


def room_label(room: Room, several: bool) -> str:
    return f"{room.name} ({room.centre.name})" if several else room.name


def form_errors(form) -> str:
    """Every error of a form, as one line for a message."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


# Rooms --------------------------------------------------------------------------------------


class RoomForm(forms.ModelForm):
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=4,
        max_value=200,
        help_text=_("How many people the room seats, between 4 and 200."),
        error_messages={
            "min_value": _("A room seats between 4 and 200 people."),
            "max_value": _("A room seats between 4 and 200 people."),
            "invalid": _("Enter the number of seats as a whole number."),
            "required": _("Enter how many people the room seats."),
        },
    )
    centre = forms.ChoiceField(label=_("Centre"))

    class Meta:
        model = Room
        fields = ["name", "street_address", "capacity", "accessibility", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "notes": _("For example where the key is, or which days the room can be borrowed."),
            "is_active": _("Only rooms in use can be chosen for new groups."),
        }
        error_messages = {
            "name": {
                "required": _("Give the room a name."),
                "max_length": _("Keep the name to at most %(limit_value)d characters."),
            },
        }

    def __init__(self, *args, centres: list[Centre], **kwargs):
        super().__init__(*args, **kwargs)
        self.centres = {str(centre.pk): centre for centre in centres}
        if self.instance.pk or len(centres) == 1:
            del self.fields["centre"]
            if not self.instance.pk:
                self.instance.centre = centres[0]
        else:
            self.fields["centre"].choices = [
                ("", _("Choose a centre")),
                *((key, centre.name) for key, centre in self.centres.items()),
            ]
        self.order_fields(["centre"])

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the room a name."), code="required")
        return name

    def clean_centre(self):
        return self.centres[self.cleaned_data["centre"]]

    def clean(self):
        cleaned = super().clean()
        if "centre" in cleaned:
            self.instance.centre = cleaned["centre"]
        name = cleaned.get("name")
        centre_id = getattr(self.instance, "centre_id", None)
        if name and centre_id:
            taken = Room.objects.filter(centre_id=centre_id, name__iexact=name).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error(
                    "name",
                    _("The centre already has a room called “%(name)s”.") % {"name": name},
                )
        return cleaned


# Groups -------------------------------------------------------------------------------------


class GroupForm(forms.Form):
    """A new group: its name, slot, room and the opening meeting."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For staff and on the printouts, e.g. “Tuesday group autumn 2026”."),
        error_messages={
            "required": _("Give the group a name."),
            "max_length": _("Keep the name to at most %(limit_value)d characters."),
        },
    )
    centre = forms.ChoiceField(label=_("Centre"))
    room = forms.ChoiceField(
        label=_("Room"), error_messages={"required": _("Choose the room the group meets in.")}
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        coerce=int,
        choices=weekday_choices,
        error_messages={"required": _("Choose the weekday the group meets.")},
    )
    start_time = time_field(_("Starts at"))
    start_date = date_field(
        _("Opening meeting"), help_text=_("The date of the first meeting, on the weekday above.")
    )
    theme = forms.ChoiceField(label=_("Kind of group"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    meeting_minutes = minutes_field(_("Meeting length (minutes)"))
    opening_minutes = minutes_field(
        _("Opening meeting length (minutes)"),
        help_text=_("At least as long as the other meetings, at most 3 hours."),
    )

    def __init__(self, *args, centres: list[Centre], rooms: list[Room], themes: list[Theme], **kw):
        super().__init__(*args, **kw)
        self.centres = {str(centre.pk): centre for centre in centres}
        self.several = len(centres) > 1
        if self.several:
            self.fields["centre"].choices = [
                ("", _("Choose a centre")),
                *((key, centre.name) for key, centre in self.centres.items()),
            ]
        else:
            del self.fields["centre"]
        self.rooms = {str(room.pk): room for room in rooms}
        self.fields["room"].choices = [
            ("", _("Choose a room")),
            *((key, room_label(room, self.several)) for key, room in self.rooms.items()),
        ]
        self.themes = {str(theme.pk): theme for theme in themes}
        self.fields["theme"].choices = [
            (MIXED, _("A mixed group")),
            *(
                (key, f"{t.display_name} ({t.centre.name})" if self.several else t.display_name)
                for key, t in self.themes.items()
            ),
        ]
        self.fields["theme"].initial = MIXED
        if not themes:
            self.fields["theme"].widget = forms.HiddenInput()
        first = centres[0] if centres else None
        if first is not None:
            self.fields["language"].initial = first.default_language
            self.fields["meeting_minutes"].initial = first.meeting_minutes
            self.fields["opening_minutes"].initial = first.opening_meeting_minutes

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the group a name."), code="required")
        return name

    def clean_centre(self):
        return self.centres[self.cleaned_data["centre"]]

    def clean_room(self):
        return self.rooms[self.cleaned_data["room"]]

    def clean_start_date(self):
        day = self.cleaned_data["start_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(
                _("The opening meeting cannot be in the past."), code="past"
            )
        return day

    def clean(self):
        cleaned = super().clean()
        centre = cleaned.get("centre") if self.several else next(iter(self.centres.values()))
        cleaned["centre"] = centre
        room = cleaned.get("room")
        if room is not None and centre is not None and room.centre_id != centre.pk:
            self.add_error("room", _("The room belongs to another centre."))
        key = cleaned.get("theme") or MIXED
        cleaned["theme_obj"] = None
        if key != MIXED:
            theme = self.themes[key]
            if centre is not None and theme.centre_id != centre.pk:
                self.add_error("theme", _("That centre does not run this theme group."))
            cleaned["theme_obj"] = theme
        day, weekday = cleaned.get("start_date"), cleaned.get("weekday")
        if day is not None and weekday is not None and day.weekday() != weekday:
            self.add_error(
                "start_date",
                _(
                    "%(date)s is a %(day)s. The opening meeting must be on the group's "
                    "weekday, %(weekday)s."
                )
                % {
                    "date": show_date(day),
                    "day": weekday_label(day.weekday()),
                    "weekday": weekday_label(weekday),
                },
            )
        meeting, opening = cleaned.get("meeting_minutes"), cleaned.get("opening_minutes")
        if meeting is not None and opening is not None and opening < meeting:
            self.add_error(
                "opening_minutes",
                _("The opening meeting must be at least as long as the others."),
            )
        return cleaned


class PatternForm(forms.Form):
    """A change to a group's weekday, time, room or rhythm, from a date on."""

    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=weekday_choices)
    start_time = time_field(_("Starts at"))
    room = forms.ChoiceField(
        label=_("Room"), error_messages={"required": _("Choose the room the group meets in.")}
    )
    fortnightly_from = date_field(
        _("Every other week from"),
        required=False,
        help_text=_("Leave empty if the group keeps meeting every week."),
    )
    from_date = date_field(
        _("The change applies from"),
        help_text=_("Meetings from this date on are planned again; earlier ones stay as they are."),
    )

    def __init__(self, *args, group: Group, rooms: list[Room], **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.rooms = {str(room.pk): room for room in rooms}
        if group.room_id is not None and str(group.room_id) not in self.rooms:
            self.rooms[str(group.room_id)] = group.room  # in use by the group, if not for new
        self.fields["room"].choices = [
            ("", _("Choose a room")),
            *((key, room.name) for key, room in self.rooms.items()),
        ]
        self.initial.setdefault("weekday", group.weekday)
        self.initial.setdefault("start_time", group.start_time)
        self.initial.setdefault("room", str(group.room_id or ""))
        self.initial.setdefault("fortnightly_from", group.fortnightly_from)
        self.initial.setdefault("from_date", max(timezone.localdate(), group.start_date))

    def clean_room(self):
        return self.rooms[self.cleaned_data["room"]]

    def clean_from_date(self):
        day = self.cleaned_data["from_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(
                _("A change can apply from today at the earliest."), code="past"
            )
        return day

    def clean_fortnightly_from(self):
        day = self.cleaned_data["fortnightly_from"]
        group = self.group
        if day is None and group.frequency == Frequency.FORTNIGHTLY:
            raise forms.ValidationError(
                _(
                    "The group meets every other week from %(date)s. Going back to every "
                    "week cannot be done here."
                )
                % {"date": show_date(group.fortnightly_from)},
                code="weekly",
            )
        if day is not None and day < group.start_date:
            raise forms.ValidationError(
                _("Every other week can start on the opening meeting (%(date)s) at the earliest.")
                % {"date": show_date(group.start_date)},
                code="before_start",
            )
        return day

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        group = self.group
        unchanged = (
            cleaned["weekday"] == group.weekday
            and cleaned["start_time"] == group.start_time
            and cleaned["room"].pk == group.room_id
            and cleaned["fortnightly_from"] == group.fortnightly_from
        )
        if unchanged:
            raise forms.ValidationError(
                _("Nothing is different from now. Change the weekday, time, room or rhythm."),
                code="unchanged",
            )
        return cleaned

    def changes(self) -> dict:
        """What to pass to services.change_pattern (only what differs from now)."""
        data, group = self.cleaned_data, self.group
        changes = {"from_date": data["from_date"]}
        if data["weekday"] != group.weekday:
            changes["weekday"] = data["weekday"]
        if data["start_time"] != group.start_time:
            changes["start_time"] = data["start_time"]
        if data["room"].pk != group.room_id:
            changes["room"] = data["room"]
        if data["fortnightly_from"] != group.fortnightly_from:
            changes["fortnightly_from"] = data["fortnightly_from"]
        return changes


class PlaceForm(forms.Form):
    application = forms.ModelChoiceField(
        label=_("Person on the waiting list"),
        queryset=None,
        error_messages={
            "required": _("Choose someone from the waiting list."),
            "invalid_choice": _("Choose someone from the waiting list."),
        },
    )

    def __init__(self, *args, group: Group, **kwargs):
        super().__init__(*args, **kwargs)
        from intake.models import Application

        # Any of the centre's applications: the service says why someone cannot be placed.
        self.fields["application"].queryset = Application.objects.filter(centre_id=group.centre_id)


class OpeningForm(forms.Form):
    decided_on = date_field(_("The group decided on"))
    reason = forms.CharField(
        label=_("What the group decided, and why"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say what the group decided, and why."),
            "max_length": _("Keep it to at most %(limit_value)d characters."),
        },
    )

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                _("Record the decision once the group has made it."), code="future"
            )
        return day

    def clean_reason(self):
        reason = clean_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(_("Say what the group decided, and why."), code="required")
        return reason


class EndForm(forms.Form):
    ended_on = date_field(_("Last day of the group"))


# Meetings -----------------------------------------------------------------------------------


class CancelMeetingForm(forms.Form):
    note = forms.CharField(
        label=_("Why (the members are told)"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Keep the note to at most %(limit_value)d characters.")},
    )

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class MoveMeetingForm(forms.Form):
    day = date_field(_("New date"))
    start_time = time_field(_("New time"))
    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the centre's rooms.")},
    )
    note = forms.CharField(
        label=_("Why (the members are told)"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Keep the note to at most %(limit_value)d characters.")},
    )

    def __init__(self, *args, centre_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.for_centre(centre_id).active()

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])

    def clean(self):
        cleaned = super().clean()
        day, start = cleaned.get("day"), cleaned.get("start_time")
        if (
            day is not None
            and start is not None
            and datetime.combine(day, start, tzinfo=OSLO) <= timezone.now()
        ):
            self.add_error("day", _("Choose a time that has not passed yet."))
        return cleaned


# Memberships --------------------------------------------------------------------------------

# "The group ended" is set when the whole group ends, not for one person.
LEAVE_REASONS = [(value, label) for value, label in LeaveReason.choices if value != "group_ended"]


class LeaveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why they left"),
        choices=[("", _("Choose a reason")), *LEAVE_REASONS],
        error_messages={
            "required": _("Choose why the person left."),
            "invalid_choice": _("Choose why the person left."),
        },
    )
    left_on = date_field(_("Left on"), required=False, help_text=_("Empty: today."))

    def clean_left_on(self):
        day = self.cleaned_data["left_on"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(
                _("Record that someone left once it has happened."), code="future"
            )
        return day


# Matching: candidates and proposed groups ------------------------------------------------------


def posted_ids(values) -> list[int]:
    """The whole numbers among posted values (the forms refuse the rest)."""
    return [int(value) for value in values if re.fullmatch(r"[0-9]{1,11}", str(value))]


class ChooseCandidatesForm(forms.Form):
    """Which of a group's candidates to offer a place. `known` holds the centre's
    applications among the posted ids: anything else is refused as a whole."""

    people = forms.TypedMultipleChoiceField(
        label=_("People to offer a place"),
        coerce=int,
        error_messages={
            "required": _("Choose at least one person."),
            "invalid_choice": _("Choose people from the list."),
        },
    )

    def __init__(self, *args, known, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, str(pk)) for pk in known]


class ProposalGroupForm(forms.Form):
    """One proposed group: when and where it meets, and who is in it.

    `waiting_list` is the groups.proposals.WaitingList the page was made from; `known` maps
    the ids the form may name to the centre's applications (the waiting ones, and any
    posted one that has stopped waiting, so the form can say so).
    """

    drop = forms.BooleanField(label=_("Leave this group out"), required=False)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={
            "required": _("Give the group a name."),
            "max_length": _("Keep the name to at most %(limit_value)d characters."),
        },
    )
    theme = forms.ChoiceField(label=_("Kind of group"))
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        coerce=int,
        choices=weekday_choices,
        error_messages={
            "required": _("Choose the weekday the group meets."),
            "invalid_choice": _("Choose the weekday the group meets."),
        },
    )
    start_time = time_field(_("Starts at"))
    start_date = date_field(_("Opening meeting"))
    room = forms.TypedChoiceField(
        label=_("Room"),
        coerce=int,
        error_messages={
            "required": _("Choose the room the group meets in."),
            "invalid_choice": _("Choose one of the centre's rooms."),
        },
    )
    members = forms.TypedMultipleChoiceField(
        label=_("People in the group"),
        coerce=int,
        required=False,
        error_messages={"invalid_choice": _("Choose people from the centre's waiting list.")},
    )
    add = forms.TypedChoiceField(
        label=_("Add a person"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose someone from the waiting list.")},
    )

    def __init__(self, *args, waiting_list, known: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiting_list = waiting_list
        self.known = known
        self.fields["theme"].choices = [
            (MIXED, _("A mixed group")),
            *((str(pk), theme.display_name) for pk, theme in waiting_list.active_themes.items()),
        ]
        self.fields["room"].choices = [
            ("", _("Choose a room")),
            *((pk, room.name) for pk, room in waiting_list.rooms.items()),
        ]
        self.fields["members"].choices = [(pk, str(pk)) for pk in known]
        self.fields["add"].choices = [("", "")] + [(pk, str(pk)) for pk in waiting_list.waiting]

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.cleaned_data.get("drop"):
            # A group left out is not checked: its other fields do not matter.
            self._errors = forms.utils.ErrorDict()
            self.cleaned_data = {"drop": True}

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the group a name."), code="required")
        if name.lower() in self.waiting_list.group_names:
            raise forms.ValidationError(
                _("The centre already has a group called “%(name)s”.") % {"name": name},
                code="taken",
            )
        return name

    def clean_start_date(self):
        day = self.cleaned_data["start_date"]
        if day < self.waiting_list.today:
            raise forms.ValidationError(
                _("The opening meeting cannot be in the past."), code="past"
            )
        return day

    def _person_name(self, pk) -> str:
        person = self.known[pk]
        return f"{person.first_name} {person.last_name}"

    def clean(self):
        cleaned = super().clean()
        data = self.waiting_list
        members = list(dict.fromkeys(cleaned.get("members") or []))
        if cleaned.get("add") is not None and cleaned["add"] not in members:
            members.append(cleaned["add"])
        cleaned["members"] = members
        stale = [pk for pk in members if pk not in data.waiting]
        if stale:
            self.add_error(
                "members",
                _(
                    "No longer waiting for a group (they may have been offered a place in the "
                    "meantime): %(names)s. Take them out and check again."
                )
                % {"names": ", ".join(self._person_name(pk) for pk in stale)},
            )
        if not members:
            self.add_error(None, _("Choose at least one person, or leave the group out."))
        max_size = data.centre.group_max_size
        if len(members) > max_size:
            self.add_error(
                "members",
                _("A group holds at most %(max)s people; this one has %(count)s.")
                % {"max": max_size, "count": len(members)},
            )
        weekday, start = cleaned.get("weekday"), cleaned.get("start_time")
        day, room_id = cleaned.get("start_date"), cleaned.get("room")
        if day is not None and weekday is not None and day.weekday() != weekday:
            self.add_error(
                "start_date",
                _(
                    "%(date)s is a %(day)s. The opening meeting must be on the group's "
                    "weekday, %(weekday)s."
                )
                % {
                    "date": show_date(day),
                    "day": weekday_label(day.weekday()),
                    "weekday": weekday_label(weekday),
                },
            )
        if weekday is None or start is None:
            return cleaned
        slot = proposals.slot_key(weekday, start)
        cannot = [
            pk
            for pk in members
            if pk in data.waiting and not proposals.can_meet(data.waiting[pk], slot)
        ]
        if cannot:
            self.add_error(
                "members",
                _("Cannot meet %(slot)s: %(names)s.")
                % {
                    "slot": bitsets.slot_label(slot),
                    "names": ", ".join(self._person_name(pk) for pk in cannot),
                },
            )
        room = data.rooms.get(room_id)
        if room is not None and len(members) > room.capacity:
            self.add_error(
                "room",
                _("%(room)s seats %(seats)s; the group has %(count)s.")
                % {"room": room.name, "seats": room.capacity, "count": len(members)},
            )
        if room is not None and day is not None and not self.has_error("start_date"):
            clash = data.room_clash(room.pk, weekday, start, day)
            if clash is not None:
                self.add_error("room", _room_taken(room, clash))
        if not self.errors:
            theme_key = cleaned.get("theme") or MIXED
            cleaned["plan"] = proposals.Plan(
                name=cleaned["name"],
                weekday=weekday,
                start_time=start,
                start_date=day,
                room=room,
                theme=None if theme_key == MIXED else data.themes[int(theme_key)],
                member_ids=members,
            )
        return cleaned

    @property
    def kept(self) -> bool:
        return not self.cleaned_data.get("drop") and "plan" in self.cleaned_data


def _room_taken(room, clash) -> str:
    return _("%(room)s is booked by “%(group)s” at %(when)s.") % {
        "room": room.name,
        "group": clash.group_name,
        "when": timezone.localtime(clash.starts_at).strftime("%d.%m.%Y %H:%M"),
    }


class BaseProposalFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        plans = [form.cleaned_data["plan"] for form in self.forms if form.kept]
        seen, twice, names = {}, [], set()
        for plan in plans:
            for pk in plan.member_ids:
                if pk in seen and pk not in twice:
                    twice.append(pk)
                seen[pk] = plan
            if plan.name.lower() in names:
                raise forms.ValidationError(
                    _("Two groups are called “%(name)s”. Give each its own name.")
                    % {"name": plan.name}
                )
            names.add(plan.name.lower())
        if twice:
            people = self.forms[0].known
            raise forms.ValidationError(
                _("In more than one group: %(names)s. Keep each person in one group.")
                % {
                    "names": ", ".join(
                        f"{people[pk].first_name} {people[pk].last_name}" for pk in twice
                    )
                }
            )
        data = self.forms[0].waiting_list if self.forms else None
        booked = []
        for plan in plans:
            clash = data.room_clash(
                plan.room.pk, plan.weekday, plan.start_time, plan.start_date, also=booked
            )
            if clash is not None:
                raise forms.ValidationError(_room_taken(plan.room, clash))
            booked += [
                (plan.room.pk, busy)
                for busy in proposals.meetings_as_busy(
                    data.centre, plan.name, plan.weekday, plan.start_time, plan.start_date
                )
            ]


MAX_PROPOSED_GROUPS = 30

ProposalFormSet = forms.formset_factory(
    ProposalGroupForm,
    formset=BaseProposalFormSet,
    extra=0,
    max_num=MAX_PROPOSED_GROUPS,
    absolute_max=MAX_PROPOSED_GROUPS,
    validate_max=True,
)
