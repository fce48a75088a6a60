"""All tables; importing this package registers them on `Base.metadata`."""

from api.models.accounts import Operator, PasswordResetToken, Photographer, User
from api.models.albums import Album, AlbumPhoto
from api.models.base import Base
from api.models.commerce import (
    Discount,
    PricingRule,
    ProjectDiscount,
    PromoCode,
    PromoCodeUsage,
    Purchase,
    PurchaseDownload,
    PurchaseItem,
    StripeEvent,
)
from api.models.outbox import EmailMessage, OutboxMessage
from api.models.photos import (
    Consent,
    Face,
    Favourite,
    Photo,
    PhotoTag,
    Selfie,
    ShareLink,
    StorageSweepCursor,
    TagReport,
    UploadSession,
    photo_sort_at,
)
from api.models.projects import Invite, Project, ProjectMember, ProjectPhotographer, TermsVersion

__all__ = [
    "Album",
    "AlbumPhoto",
    "Base",
    "Consent",
    "Discount",
    "EmailMessage",
    "Face",
    "Favourite",
    "Invite",
    "Operator",
    "OutboxMessage",
    "PasswordResetToken",
    "Photo",
    "PhotoTag",
    "Photographer",
    "PricingRule",
    "Project",
    "ProjectDiscount",
    "ProjectMember",
    "ProjectPhotographer",
    "PromoCode",
    "PromoCodeUsage",
    "Purchase",
    "PurchaseDownload",
    "PurchaseItem",
    "Selfie",
    "ShareLink",
    "StorageSweepCursor",
    "StripeEvent",
    "TagReport",
    "TermsVersion",
    "UploadSession",
    "User",
    "photo_sort_at",
]
