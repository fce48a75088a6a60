// The join page: the event's terms, sign up or sign in, join with the terms version read.
import { ApiError, call, paths, projectId, say, setToken, show, token } from "./api.mjs";

const INVITE_KEY = `wairo.invite.${projectId}`;
const form = document.getElementById("join-form");
const status = document.getElementById("join-status");
const termsText = document.getElementById("terms-text");
const termsVersionNote = document.getElementById("terms-version");
const accept = document.getElementById("accept");
let termsVersion;

// An invite's token is kept (this tab only) until the join uses it, then leaves the address bar.
const invite = new URLSearchParams(location.search).get("invite");
if (invite) sessionStorage.setItem(INVITE_KEY, invite);
show(document.getElementById("invite-note"), Boolean(sessionStorage.getItem(INVITE_KEY)));

function showTerms(terms) {
  termsVersion = terms ? terms.version : undefined;
  termsText.textContent = terms ? terms.content : "This event has no terms of its own.";
  termsVersionNote.textContent = terms ? `Version ${terms.version}` : "";
}

async function loadTerms() {
  try {
    showTerms((await call("GET", `/v1/projects/${projectId}/terms`, { auth: false })).data);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== "no_terms") throw error;
    showTerms(null);
  }
}

function accountMode() {
  return form.querySelector('input[name="mode"]:checked').value;
}

function showAccount() {
  const signedIn = Boolean(token());
  show(document.getElementById("account"), !signedIn);
  show(document.getElementById("signed-in"), signedIn);
  for (const input of form.querySelectorAll("#account input")) input.disabled = signedIn;
  const register = accountMode() === "register";
  show(document.getElementById("name-field"), register && !signedIn);
  document.getElementById("name").required = register && !signedIn;
  document.getElementById("password").autocomplete = register ? "new-password" : "current-password";
}

async function signIn() {
  const body = { email: form.email.value.trim(), password: form.password.value };
  if (accountMode() === "register") body.name = form.name.value.trim();
  const path = accountMode() === "register" ? "/v1/auth/register" : "/v1/auth/login";
  setToken((await call("POST", path, { body, auth: false })).data.token);
  showAccount();
}

function joined() {
  sessionStorage.removeItem(INVITE_KEY);
  history.replaceState(null, "", location.pathname);
  location.assign(paths.selfie);
}

const MESSAGES = {
  invite_required: "This event is by invitation: sign up with the email address your invitation was sent to.",
  project_closed: "This event is closed: it takes no new guests.",
  email_taken: "An account with this email exists: choose \"I have an account\" and sign in.",
};

async function join(event) {
  event.preventDefault();
  say(status, "Joining…");
  try {
    if (!token()) await signIn();
    await call("POST", "/v1/qr/join", { body: { projectId, termsAccepted: true, termsVersion } });
    joined();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "already_member") return joined();
    if (error.code === "terms_changed") {
      await loadTerms();
      accept.checked = false;
      accept.focus();
      return say(status, "The terms changed while you were reading them. Please read the new version and accept it to join.", "error");
    }
    say(status, MESSAGES[error.code] || error.message, "error");
  }
}

for (const radio of form.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", showAccount);
form.addEventListener("submit", join);
showAccount();
await loadTerms();
show(form);
