"""Staff pages for matching: a forming group's candidates and proposed new groups.

/stab/grupper/<pk>/kandidater/  the group's waiting candidates ranked by fit, with reasons;
                                one POST offers the chosen ones a place, each on its own.
/stab/grupper/forslag/          proposed new groups for one of the user's centres; the page
                                is a form holding the whole proposal (stateless): "check"
                                re-renders it with its problems, "accept" saves it at once.

What people want to work on goes into the matcher, never onto these pages: reasons say
"brings 2 new areas", not which. Staff see only their own centres (others: 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from groups import proposals, services
from groups.enums import GroupStatus
from groups.forms import (
    MIXED,
    ChooseCandidatesForm,
    ProposalFormSet,
    form_errors,
    posted_ids,
    show_date,
)
from groups.models import Group
from groups.proposals import LeftOutReason
from groups.views.staff import group_tabs
from intake.enums import Gender
from intake.models import Application, age_on
from selvhjelp import bitsets
from selvhjelp.models import Centre
from selvhjelp.permissions import staff_centre_ids, staff_centres, staff_required

PREFIX = "g"


def _name(application) -> str:
    return f"{application.first_name} {application.last_name}"


# Reasons, in words -----------------------------------------------------------------------------


def reason_text(reason) -> str:
    """One of the matcher's reasons for a candidate, in the staff member's language."""
    code, good, value = reason.code, reason.good, reason.value
    if code == "waited":
        weeks = (value or 0) // 7
        return ngettext("waited %(count)s week", "waited %(count)s weeks", weeks) % {"count": weeks}
    if code == "age_span":
        if good:
            return ngettext(
                "age fits: the span stays within %(count)s year",
                "age fits: the span stays within %(count)s years",
                value or 0,
            ) % {"count": value or 0}
        return ngettext(
            "widens the age span to %(count)s year",
            "widens the age span to %(count)s years",
            value or 0,
        ) % {"count": value or 0}
    if code == "gender_balance":
        return _("evens out women and men") if good else _("tips the balance of women and men")
    if code == "new_area":
        if good and value:
            return ngettext(
                "brings %(count)s new area to work on",
                "brings %(count)s new areas to work on",
                value,
            ) % {"count": value}
        return _("brings no new area to work on")
    if code == "theme_wish":
        return _("asked for this kind of group") if good else _("asked for another kind of group")
    return code


def ranked_rows(candidates, chosen=frozenset()) -> list[dict]:
    """Each candidate's cells as text, worked out here once (a row of template filters,
    translations and number formatting per person cost more than the rest of the page)."""
    today = timezone.localdate()
    genders = {gender.value: str(gender.label) for gender in Gender}
    weeks_texts: dict[int, str] = {}
    rows = []
    for candidate in candidates:
        application, weeks = candidate.application, candidate.weeks
        if weeks not in weeks_texts:
            weeks_texts[weeks] = ngettext("%(weeks)s week", "%(weeks)s weeks", weeks) % {
                "weeks": weeks
            }
        rows.append(
            {
                "pk": str(application.pk),
                "checked": application.pk in chosen,
                "name": _name(application),
                "age": str(age_on(application.birth_date, today)),
                "gender": genders.get(application.gender, ""),
                "weeks": weeks,
                "weeks_text": weeks_texts[weeks],
                "reasons": [
                    {"text": reason_text(reason), "good": reason.good}
                    for reason in candidate.reasons
                    if reason.code != "waited"  # shown in its own column
                    # A span of 0 (the first person in an empty group) tells staff nothing.
                    and not (reason.code == "age_span" and reason.good and not reason.value)
                ],
            }
        )
    return rows


# Candidates for a group --------------------------------------------------------------------------


def _group_for(request, pk) -> Group:
    # The centre's policy weighs the candidates; the page shows nothing of room or theme.
    queryset = Group.objects.filter(centre_id__in=staff_centre_ids(request)).select_related(
        "centre"
    )
    group = queryset.with_seats(timezone.now()).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group.with_seat_flags()


@staff_required
@never_cache
def group_candidates(request, pk):
    group = _group_for(request, pk)
    candidates = proposals.candidates_for(group, timezone.now())
    chosen = set()
    if request.method == "POST":
        if group.status not in GroupStatus.accepting():
            refusal = services.GroupClosed()
            messages.error(
                request, _("Nobody was offered a place: %(errors)s") % {"errors": refusal}
            )
            return redirect("staff-group-candidates", pk=group.pk)
        chosen = set(posted_ids(request.POST.getlist("people")))
        known = (
            Application.objects.filter(centre_id=group.centre_id, pk__in=chosen)
            .only("first_name", "last_name")
            .in_bulk()
        )
        form = ChooseCandidatesForm(request.POST, known=known)
        if form.is_valid():
            _place(request, group, candidates, form.cleaned_data["people"], known)
            return redirect("staff-group-candidates", pk=group.pk)
        messages.error(
            request, _("Nobody was offered a place: %(errors)s") % {"errors": form_errors(form)}
        )
    context = {
        "group": group,
        "slot": bitsets.slot_label(proposals.slot_key(group.weekday, group.start_time)),
        "accepting": group.status in GroupStatus.accepting(),
        "rows": ranked_rows(candidates[: proposals.CANDIDATES_SHOWN], chosen),
        "total": len(candidates),
        "shown": proposals.CANDIDATES_SHOWN,
    }
    context["tabs"] = group_tabs(group, "candidates")
    return render(request, "groups/staff/group_candidates.html", context)


def _place(request, group, candidates, chosen: list[int], known) -> None:
    """Offer each chosen person a place, best fit first; each succeeds or fails alone."""
    rank = {candidate.application.pk: n for n, candidate in enumerate(candidates)}
    by_id = {candidate.application.pk: candidate.application for candidate in candidates}
    offered, refused = [], []
    for pk in sorted(set(chosen), key=lambda pk: (rank.get(pk, len(rank)), pk)):
        application = by_id.get(pk)
        if application is None:
            refused.append(
                _("%(name)s: no longer waiting for a group, or cannot meet at this time.")
                % {"name": _name(known[pk])}
            )
            continue
        try:
            offer = services.place_applicant(
                group, application, staff=request.user, request=request
            )
        except services.GroupError as error:
            refused.append(_("%(name)s: %(error)s") % {"name": _name(application), "error": error})
        else:
            offered.append((application, offer))
    if offered:
        answer_by = timezone.localtime(offered[0][1].expires_at).date()
        messages.success(
            request,
            ngettext(
                "Offered a place: %(names)s. They have until %(date)s to answer on their own page.",
                "Offered a place: %(names)s. They have until %(date)s to answer on their own "
                "pages.",
                len(offered),
            )
            % {
                "names": ", ".join(_name(application) for application, _offer in offered),
                "date": show_date(answer_by),
            },
        )
    if refused:
        messages.error(
            request,
            ngettext(
                "Not offered a place: %(refusals)s",
                "Not offered a place (%(count)s): %(refusals)s",
                len(refused),
            )
            % {"count": len(refused), "refusals": " ".join(refused)},
        )


# Proposed new groups --------------------------------------------------------------------------


def _centre_for(request) -> tuple[Centre, list[Centre]]:
    """The centre chosen on the page (by slug), if it is one of the user's; else a 404."""
    centres = staff_centres(request)
    slug = request.POST.get("centre") or request.GET.get("centre")
    if not slug:
        return centres[0], centres
    for centre in centres:
        if centre.slug == slug:
            return centre, centres
    raise Http404


def _initial(plan) -> dict:
    return {
        "drop": False,
        "name": plan.name,
        "theme": str(plan.theme.pk) if plan.theme else MIXED,
        "weekday": plan.weekday,
        "start_time": plan.start_time,
        "start_date": plan.start_date,
        "room": plan.room.pk,
        "members": list(plan.member_ids),
    }


def _shown_ids(form, known) -> list[int]:
    """Who the form holds now: its cleaned members, or what was posted, or its start."""
    if not form.is_bound:
        return list(form.initial.get("members", []))
    if hasattr(form, "cleaned_data") and "members" in form.cleaned_data:
        return list(form.cleaned_data["members"])
    return [pk for pk in posted_ids(form.data.getlist(form.add_prefix("members"))) if pk in known]


def _shown_slot(form) -> str | None:
    """The weekday and part of day the form holds now (a left-out group's as posted)."""
    if not form.is_bound:
        values = form.initial
    else:
        values = {}
        for name in ("weekday", "start_time"):
            try:
                values[name] = form.fields[name].clean(form.data.get(form.add_prefix(name)))
            except ValidationError:
                return None
    weekday, start = values.get("weekday"), values.get("start_time")
    if weekday is None or start is None:
        return None
    return proposals.slot_key(weekday, start)


def _person_row(application, now) -> dict:
    return {
        "application": application,
        "weeks": proposals.weeks_waited(application, now),
    }


def _facts(people, age_span_years) -> dict:
    """What staff weigh in a group: size, ages, women and men, and how many areas it mixes."""
    ages = [person.age for person in people]
    areas = set()
    for person in people:
        areas.update(bitsets.from_mask(person.areas_mask, proposals.AREAS))
    genders = [person.gender for person in people]
    span = max(ages) - min(ages) if ages else 0
    return {
        "size": len(people),
        "youngest": min(ages) if ages else None,
        "oldest": max(ages) if ages else None,
        "span": span,
        "span_ok": age_span_years is None or span <= age_span_years,
        "women": genders.count("woman"),
        "men": genders.count("man"),
        "areas": len(areas),
    }


def _fresh(proposal, data, known):
    return ProposalFormSet(
        prefix=PREFIX,
        initial=[_initial(plan) for plan in proposal.plans],
        form_kwargs={"waiting_list": data, "known": known},
    )


def left_out_text(reason: str) -> str:
    texts = {
        LeftOutReason.NO_PEOPLE: _("None of the times they can meet has enough people waiting."),
        LeftOutReason.NO_ROOM: _("No room is free at the times they can meet."),
        LeftOutReason.TOO_FEW: _(
            "Too few people are left at the times they can meet to fill a group."
        ),
        LeftOutReason.NOT_CHOSEN: _(
            "A group meets at one of their times, but it is full or others have waited longer."
        ),
    }
    return texts.get(reason) or _("Taken out of the proposed groups.")


# The matcher's goals in its order, each as (better, worse) when staff changed the proposal.
GOALS = [
    ("placed", gettext_lazy("place more people"), gettext_lazy("place fewer people")),
    (
        "waited_days",
        gettext_lazy("give places to people who have waited longer"),
        gettext_lazy("give places to people who have waited less long"),
    ),
    ("age_excess", gettext_lazy("keep ages closer together"), gettext_lazy("spread ages wider")),
    (
        "gender_gap",
        gettext_lazy("balance women and men better"),
        gettext_lazy("balance women and men less well"),
    ),
    ("area_mix", gettext_lazy("mix more areas"), gettext_lazy("mix fewer areas")),
    (
        "theme_fit",
        gettext_lazy("meet more wishes for a kind of group"),
        gettext_lazy("meet fewer wishes for a kind of group"),
    ),
]
LOWER_IS_BETTER = {"age_excess", "gender_gap"}


def compare(adjusted, proposed, min_size: int) -> str:
    """How staff's changes compare with the proposal, on the first goal where they differ."""
    if adjusted is None:
        return _(
            "A group has fewer than %(min)s people. It can be created, but it needs more "
            "people before it can start."
        ) % {"min": min_size}
    for name, better, worse in GOALS:
        mine, theirs = getattr(adjusted, name), getattr(proposed, name)
        if mine != theirs:
            improved = (mine < theirs) if name in LOWER_IS_BETTER else (mine > theirs)
            return _("Compared with the proposal, your changes %(difference)s.") % {
                "difference": better if improved else worse
            }
    return _("Your changes meet the goals just as well as the proposal.")


@staff_required
@never_cache
def group_proposals(request):
    centre, centres = _centre_for(request)
    data = proposals.load(centre)
    known = dict(data.waiting)
    proposal = proposals.propose_for(centre, data=data)
    if request.method != "POST":
        formset = _fresh(proposal, data, known)
        return _render_proposals(request, centre, centres, data, proposal, formset)

    # Ids the page may name that have stopped waiting: the form says who, not just "invalid".
    posted = [
        pk
        for key in request.POST
        if key.endswith(("-members", "-add"))
        for pk in posted_ids(request.POST.getlist(key))
    ]
    missing = [pk for pk in posted if pk not in known]
    if missing:
        known.update(
            Application.objects.filter(centre=centre, pk__in=missing)
            .only(*proposals.PERSON_FIELDS)
            .in_bulk()
        )
    formset = ProposalFormSet(
        request.POST, prefix=PREFIX, form_kwargs={"waiting_list": data, "known": known}
    )
    if not formset.is_valid():
        messages.error(
            request,
            _("Nothing was saved. Look at what is marked below, change it and check again."),
        )
        if not formset.management_form.is_valid():
            # Not this page's form at all: show the proposal afresh.
            formset = _fresh(proposal, data, known)
        return _render_proposals(request, centre, centres, data, proposal, formset)
    plans = [form.cleaned_data["plan"] for form in formset.forms if form.kept]
    if request.POST.get("action") != "accept":
        messages.success(request, _("Everything fits. Accept the groups when you are ready."))
    elif not plans:
        messages.error(request, _("Nothing was saved: every group was left out."))
    else:
        try:
            created = proposals.accept_proposal(
                centre, groups=plans, staff=request.user, request=request
            )
        except services.GroupError as refused:
            messages.error(request, _("Nothing was saved: %(error)s") % {"error": refused})
        else:
            _accepted(request, created, plans)
            return redirect("staff-groups")
    return _render_proposals(request, centre, centres, data, proposal, formset, plans)


def _accepted(request, created, plans) -> None:
    offered = sum(len(plan.member_ids) for plan in plans)
    groups = ngettext(
        "%(count)s group was created: %(names)s.",
        "%(count)s groups were created: %(names)s.",
        len(created),
    ) % {"count": len(created), "names": ", ".join(group.name for group in created)}
    people = ngettext(
        "%(count)s person has been offered a place and answers on their own page.",
        "%(count)s people have been offered a place and answer on their own pages.",
        offered,
    ) % {"count": offered}
    messages.success(request, f"{groups} {people}")


def _render_proposals(request, centre, centres, data, proposal, formset, adjusted=None):
    now = data.now
    known = formset.form_kwargs["known"]
    policy_span = centre.age_span_years if centre.age_span_enabled else None
    rows, placed = [], set()
    for form in formset.forms:
        ids = [pk for pk in _shown_ids(form, known) if pk in known]
        slot = _shown_slot(form)
        dropped = (
            bool(form.is_bound and form.cleaned_data.get("drop"))
            if hasattr(form, "cleaned_data")
            else False
        )
        if not dropped:
            placed.update(ids)
        people = [known[pk] for pk in ids]
        rows.append(
            {
                "form": form,
                "members": [_person_row(person, now) for person in people],
                "facts": _facts(people, policy_span),
                "slot": bitsets.slot_label(slot) if slot else "",
                "slot_key": slot,
                "dropped": dropped,
            }
        )
    reasons = {application.pk: reason for application, reason in proposal.left_out}
    left_out = [
        {**_person_row(application, now), "reason": left_out_text(reasons.get(pk, ""))}
        for pk, application in data.waiting.items()
        if pk not in placed
    ]
    for row in rows:
        slot = row["slot_key"]
        row["addable"] = [
            person
            for person in left_out
            if slot and proposals.can_meet(person["application"], slot)
        ]
    context = {
        "centre": centre,
        "centres": centres,
        "several_centres": len(centres) > 1,
        "formset": formset,
        "rows": rows,
        "left_out": left_out,
        "waiting_count": len(data.waiting),
        "proposed_count": sum(len(plan.member_ids) for plan in proposal.plans),
        "optimal": proposal.optimal,
        "adjusted_count": (
            sum(len(plan.member_ids) for plan in adjusted) if adjusted is not None else None
        ),
        "comparison": (
            compare(proposals.score_of(adjusted, data), proposal.score, centre.group_min_size)
            if adjusted
            else ""
        ),
        "min_size": centre.group_min_size,
        "max_size": centre.group_max_size,
        "age_span": policy_span,
    }
    return render(request, "groups/staff/group_proposals.html", context)
