"""Column layouts: the standard exports of three advancement CRMs, a generic one, and mappings.

A layout names, for each CareerLink field, the column(s) that hold it. `email` lists columns in
order of preference: the first valid address becomes the preferred one, the others are kept.
Flags are true for "true/yes/y/1/x"; a field in `any_value_flags` is true for any non-empty
value (Banner's exclusion code, for instance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from careerlink.errors import DomainError
from careerlink.mentors.imports.reading import FileProblem, normalize_header

# The fields an import fills, in the order the mapping page and the report show them.
FIELDS: dict[str, str] = {
    "external_id": _l("External id"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "preferred_name": _l("Preferred name"),
    "email": _l("Email"),
    "class_year": _l("Class year"),
    "degree": _l("Degree"),
    "programme": _l("Programme"),
    "employer": _l("Employer"),
    "job_title": _l("Job title"),
    "industry": _l("Industry"),
    "city": _l("City"),
    "country": _l("Country"),
    "linkedin_url": _l("LinkedIn URL"),
    "deceased": _l("Deceased"),
    "do_not_contact": _l("Do not contact"),
    "confidential": _l("Confidential (FERPA hold)"),
}
REQUIRED = ("external_id", "last_name")
FLAGS = ("deceased", "do_not_contact", "confidential")
SOURCE_MAX = 40


@dataclass(frozen=True)
class Layout:
    """Which column holds which field; `source` names the system the external ids come from."""

    name: str
    label: str
    source: str
    columns: dict[str, tuple[str, ...]]
    any_value_flags: frozenset[str] = field(default_factory=frozenset)

    def resolve(self, header: list[str]) -> dict[str, list[int]]:
        """Field -> the positions of its columns in this header; FileProblem naming what lacks."""
        positions = {normalize_header(h): i for i, h in enumerate(header)}
        resolved: dict[str, list[int]] = {}
        for name, columns in self.columns.items():
            found = [
                positions[normalize_header(c)] for c in columns if normalize_header(c) in positions
            ]
            if found:
                resolved[name] = found
        missing = [n for n in REQUIRED if n not in resolved]
        if missing:
            wanted = "; ".join(
                _(
                    "%(field)s (column “%(columns)s”)",
                    field=FIELDS[n],
                    columns=format_list(
                        list(self.columns.get(n, ()) or ("?",)),
                        style="or",
                        locale=get_locale() or "en",
                    ),
                )
                for n in missing
            )
            raise FileProblem(
                _(
                    "The file lacks a required column for the %(layout)s layout: %(wanted)s.",
                    layout=self.label,
                    wanted=wanted,
                )
            )
        return resolved


# Raiser's Edge NXT: the constituent fields as the database view's constituent query and the
# SKY API name them (Blackbaud's help, "Constituent Source View" and the SKY API constituent
# record: lookup_id, first, last, preferred_name, deceased, email do-not-email). RE NXT has no
# standard confidential field; offices keep it as a constituent code, exported as a column.
RAISERS_EDGE = Layout(
    name="raisers-edge",
    label="Raiser's Edge NXT (constituent export)",
    source="raisers-edge",
    columns={
        "external_id": ("Lookup ID", "Constituent ID"),
        "first_name": ("First name", "First Name"),
        "last_name": ("Last name", "Last/Organization/Group/Household name"),
        "preferred_name": ("Preferred name", "Nickname"),
        "email": ("Email address", "Email Address", "Alternate email address"),
        "class_year": ("Primary class of", "Class of"),
        "degree": ("Degree",),
        "programme": ("Major",),
        "employer": ("Primary business", "Employer"),
        "job_title": ("Position", "Job title"),
        "industry": ("Industry",),
        "city": ("City",),
        "country": ("Country",),
        "linkedin_url": ("LinkedIn",),
        "deceased": ("Deceased",),
        "do_not_contact": ("Do not email", "Requests no email"),
        "confidential": ("Confidential",),
    },
)

# Salesforce EDA / Education Cloud: the Contact object's API names (Salesforce's Contact field
# reference and the EDA package's hed__ fields). Email is the preferred address that EDA keeps
# in step with hed__Preferred_Email__c; the alternate (personal) one comes next. Class year and
# degree live on Affiliation / Program Enrollment in EDA; a Contact report exports them as the
# custom columns named here, which an office's mapping can rename.
SALESFORCE_EDA = Layout(
    name="salesforce-eda",
    label="Salesforce EDA / Education Cloud (Contact)",
    source="salesforce",
    columns={
        "external_id": ("Id",),
        "first_name": ("FirstName",),
        "last_name": ("LastName",),
        "preferred_name": ("hed__Chosen_Full_Name__c",),
        "email": (
            "Email",
            "hed__AlternateEmail__c",
            "hed__UniversityEmail__c",
            "hed__WorkEmail__c",
        ),
        "class_year": ("Class_Year__c",),
        "degree": ("Degree__c",),
        "programme": ("Program__c",),
        "employer": ("Employer__c", "Account.Name"),
        "job_title": ("Title",),
        "industry": ("Industry__c",),
        "city": ("MailingCity",),
        "country": ("MailingCountry",),
        "linkedin_url": ("LinkedIn_URL__c",),
        "deceased": ("hed__Deceased__c",),
        "do_not_contact": ("hed__Do_Not_Contact__c", "HasOptedOutOfEmail"),
        "confidential": ("hed__FERPA__c",),
    },
)

# Ellucian Banner Advancement: table_column names as Banner exports and reports use them
# (SPRIDEN identity, SPBPERS person, GOREMAL email, APBCONS constituent, APRADEG degrees,
# APREHIS employment, SPRADDR address, APREXCL exclusions) - as in Banner SQL reports on
# GitHub (e.g. spriden_id, spbpers_pref_first_name, goremal_email_address).
BANNER = Layout(
    name="banner",
    label="Ellucian Banner Advancement",
    source="banner",
    columns={
        "external_id": ("SPRIDEN_ID",),
        "first_name": ("SPRIDEN_FIRST_NAME",),
        "last_name": ("SPRIDEN_LAST_NAME",),
        "preferred_name": ("SPBPERS_PREF_FIRST_NAME",),
        "email": ("GOREMAL_EMAIL_ADDRESS", "GOREMAL_EMAIL_ADDRESS_2"),
        "class_year": ("APBCONS_PREF_CLAS",),
        "degree": ("APRADEG_DEGC_CODE",),
        "programme": ("APRADEG_MAJR_CODE_1", "APRAMAJ_MAJR_CODE"),
        "employer": ("APREHIS_EMPR_NAME",),
        "job_title": ("APREHIS_EMPL_POSITION",),
        "industry": ("APREHIS_SICC_CODE",),
        "city": ("SPRADDR_CITY",),
        "country": ("SPRADDR_NATN_CODE",),
        "linkedin_url": ("LINKEDIN_URL",),
        "deceased": ("SPBPERS_DEAD_IND",),
        "do_not_contact": ("APREXCL_EXCL_CODE",),
        "confidential": ("SPBPERS_CONFID_IND",),
    },
    any_value_flags=frozenset({"do_not_contact"}),
)

GENERIC = Layout(
    name="generic",
    label=_l("Generic CareerLink layout"),
    source="generic",
    columns={
        **{name: (name,) for name in FIELDS if name != "email"},
        "email": ("email", "other_email", "other_email_2"),
    },
)

PRESETS: dict[str, Layout] = {p.name: p for p in (GENERIC, RAISERS_EDGE, SALESFORCE_EDA, BANNER)}


def preset(name: str) -> Layout:
    """The preset of that name; DomainError listing the names otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise DomainError(
            _(
                "There is no preset “%(name)s”; choose one of %(names)s.",
                name=name,
                names=", ".join(PRESETS),
            ),
            field="preset",
        ) from None


def layout_from_mapping(data: dict, name: str = "mapping") -> Layout:
    """A layout from a saved mapping: {"source": ..., "columns": {field: column or [columns]}}."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise DomainError(
            _("A mapping is %(shape)s.", shape='{"source": "...", "columns": {"field": "Column"}}')
        )
    source = str(data.get("source") or "").strip()
    if not source or len(source) > SOURCE_MAX:
        raise DomainError(_("Name the mapping's source (1 to %(n)d characters).", n=SOURCE_MAX))
    columns: dict[str, tuple[str, ...]] = {}
    for key, value in data["columns"].items():
        if key not in FIELDS:
            raise DomainError(
                _(
                    "“%(key)s” is not a field; the fields are %(fields)s.",
                    key=key,
                    fields=", ".join(FIELDS),
                )
            )
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(
            isinstance(n, str) and 0 < len(n) <= 200 for n in names
        ):
            raise DomainError(
                _("Map “%(key)s” to a column name or a list of column names.", key=key)
            )
        if names:
            columns[key] = tuple(names)
    flags = data.get("any_value_flags") or []
    if not isinstance(flags, list) or not set(flags) <= set(FLAGS):
        raise DomainError(_("any_value_flags lists flags among %(flags)s.", flags=", ".join(FLAGS)))
    return Layout(name, _l("mapping “%(name)s”", name=name), source, columns, frozenset(flags))


def load_mapping(path: Path) -> Layout:
    """A layout from a mapping file (JSON), the CLI's --mapping."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DomainError(
            _("The mapping file cannot be read as JSON (%(error)s).", error=err)
        ) from None
    return layout_from_mapping(data, Path(path).stem)
