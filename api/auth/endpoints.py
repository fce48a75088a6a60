"""Auth routes of the backoffice API and of the main API."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import service
from api.auth.schemas import (
    EmptyOut,
    ForgotPassword,
    Login,
    PhotographerOut,
    RegisterAccount,
    RegisterOperator,
    ResetPassword,
    TokenOut,
)
from api.deps import CurrentOperator, SessionDep

backoffice_router = APIRouter(prefix="/v1/auth", tags=["auth"])
main_router = APIRouter(prefix="/v1/auth", tags=["auth"])


@backoffice_router.post("/register", status_code=status.HTTP_201_CREATED)
def register_operator(body: RegisterOperator, session: SessionDep) -> TokenOut:
    return TokenOut(token=service.register_operator(session, body))


@backoffice_router.post("/login")
def login_staff(body: Login, session: SessionDep) -> TokenOut:
    return TokenOut(token=service.login_staff(session, body))


@backoffice_router.post("/register-photographer", status_code=status.HTTP_201_CREATED)
def register_photographer(
    body: RegisterAccount, operator: CurrentOperator, session: SessionDep
) -> PhotographerOut:
    return PhotographerOut.model_validate(service.register_photographer(session, operator, body))


@main_router.post("/register", status_code=status.HTTP_201_CREATED)
def register_user(body: RegisterAccount, session: SessionDep) -> TokenOut:
    return TokenOut(token=service.register_user(session, body))


@main_router.post("/login")
def login_user(body: Login, session: SessionDep) -> TokenOut:
    return TokenOut(token=service.login_user(session, body))


@main_router.post("/forgot-password")
def forgot_password(body: ForgotPassword, session: SessionDep) -> EmptyOut:
    service.request_password_reset(session, body.email)
    return EmptyOut()


@main_router.post("/reset-password")
def reset_password(body: ResetPassword, session: SessionDep) -> EmptyOut:
    service.reset_password(session, body.token, body.password)
    return EmptyOut()
