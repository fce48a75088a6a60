from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from api.core.schemas import CamelModel, Name, PatchModel, StrictCamelModel, Timezone

# ISO 4217 active currency codes.
CURRENCIES = frozenset(
    [
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "bov",
        "brl",
        "bsd",
        "btn",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "che",
        "chf",
        "chw",
        "clf",
        "clp",
        "cny",
        "cop",
        "cou",
        "crc",
        "cuc",
        "cup",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "ern",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "ghs",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "iqd",
        "irr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "kpw",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "lyd",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mru",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "mxv",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sdg",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sll",
        "sos",
        "srd",
        "ssp",
        "stn",
        "svc",
        "syp",
        "szl",
        "thb",
        "tjs",
        "tmt",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "usd",
        "usn",
        "uyi",
        "uyu",
        "uyw",
        "uzs",
        "ved",
        "ves",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
        "zwl",
    ]
)


def _currency(value: str) -> str:
    code = value.strip().lower()
    if code not in CURRENCIES:
        raise ValueError("not an ISO 4217 currency code")
    return code


Currency = Annotated[str, AfterValidator(_currency)]
# BCP 47 language tag, e.g. "en", "fr-FR", "zh-Hant-TW".
Locale = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$", max_length=35)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ().-]{4,30}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$"), AfterValidator(str.upper)]
ObjectKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]


class Address(StrictCamelModel):
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    line1: Line
    line2: Line | None = None
    city: Line
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    region: Line | None = None
    country: Country


class OperatorUpdate(PatchModel):
    """`profilePictureUrl`: the `fileUrl` the media API returned for the upload
    (the key `operators/{operatorId}/...` is stored)."""

    not_null = frozenset({"name", "currency", "locale", "timezone"})

    name: Name | None = None
    phone: Phone | None = None
    company_name: Name | None = None
    address: Address | None = None
    billing_address: Address | None = None
    currency: Currency | None = None
    locale: Locale | None = None
    timezone: Timezone | None = None
    profile_picture_url: ObjectKey | None = None


class AddressOut(CamelModel):
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    region: str | None = None
    country: str


class OperatorOut(CamelModel):
    """`profilePictureUrl`: a short-lived presigned GET of the stored picture (null without one)."""

    id: uuid.UUID
    name: str
    email: str
    phone: str | None
    company_name: str | None
    address: AddressOut | None
    billing_address: AddressOut | None
    currency: str
    locale: str
    timezone: str
    profile_picture_url: str | None
