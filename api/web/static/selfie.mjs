// Consent and selfie: the consent text and version, an explicit opt-in, the selfie's upload
// (upload URL on the media API, PUT to storage, complete), its status, and revocation.
import { ApiError, call, media, requireSignIn, say, show } from "./api.mjs";

const BIOMETRIC = "biometric_processing";
const POLL_MS = 1500;
const consentSection = document.getElementById("consent-section");
const selfieSection = document.getElementById("selfie-section");
const revokeSection = document.getElementById("revoke-section");
const selfieStatus = document.getElementById("selfie-status");
const pageStatus = document.getElementById("page-status");
const selfieForm = document.getElementById("selfie-form");
let consentVersion;

const REJECTIONS = {
  no_face: "We could not find a face in it. Take a selfie facing the camera, in good light.",
  several_faces: "It shows more than one face. Take a selfie with only you in it.",
  too_small: "Your face is too small in it. Hold the camera closer.",
  too_blurry: "It is too blurry. Hold still, or wipe the lens, and try again.",
  invalid_image: "The file is not an image we can read. Choose a JPEG, PNG or WebP photo.",
};

function showSelfie(selfie) {
  if (!selfie) return say(selfieStatus, "You have no selfie yet.");
  if (selfie.status === "approved") return say(selfieStatus, "Your selfie is approved: we are finding your photos.", "ok");
  if (selfie.status === "rejected") {
    const why = REJECTIONS[selfie.rejectionReason] || "We could not use it.";
    return say(selfieStatus, `Your selfie was not accepted. ${why}`, "error");
  }
  say(selfieStatus, "Checking your selfie…");
  setTimeout(pollSelfie, POLL_MS);
}

// The newest selfie, or null (the list answers 200 where `GET /v1/selfie` is a 404 for none).
async function currentSelfie() {
  const selfies = (await call("GET", media("/v1/selfies"))).data;
  return selfies.length ? selfies[0] : null;
}

async function pollSelfie() {
  showSelfie(await currentSelfie());
}

async function showState() {
  const consents = (await call("GET", "/v1/consent")).data;
  const active = consents.some((c) => c.consentType === BIOMETRIC && !c.revokedAt);
  show(consentSection, !active);
  show(selfieSection, active);
  show(revokeSection, active);
  if (active) {
    showSelfie(await currentSelfie());
  } else {
    const text = (await call("GET", "/v1/consent/biometric/current", { auth: false })).data;
    consentVersion = text.version;
    document.getElementById("consent-text").textContent = text.text;
    document.getElementById("consent-version").textContent = `Version ${text.version}`;
  }
}

async function giveConsent(event) {
  event.preventDefault();
  try {
    await call("POST", "/v1/consent/biometric", { body: { consentVersion } });
    say(pageStatus, "Thank you: you can now add a selfie.", "ok");
    await showState();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    say(pageStatus, error.message, "error");
  }
}

async function uploadSelfie(event) {
  event.preventDefault();
  const file = selfieForm.selfie.files[0];
  if (!file) return say(selfieStatus, "Choose a photo first.", "error");
  say(selfieStatus, "Uploading your selfie…");
  try {
    const body = { contentType: file.type || "image/jpeg", sizeBytes: file.size, fileName: file.name };
    const upload = (await call("POST", media("/v1/selfie/upload-url"), { body })).data;
    const put = await fetch(upload.uploadUrl, { method: "PUT", headers: upload.headers, body: file });
    if (!put.ok) throw new ApiError(put.status, "upload_failed", "The upload did not go through. Please try again.");
    await call("POST", media(`/v1/selfie/${upload.selfieId}/complete`));
    selfieForm.reset();
    await pollSelfie();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const message = error.status === 422 ? "Choose a JPEG, PNG or WebP photo between 1 KB and 50 MB." : error.message;
    say(selfieStatus, message, "error");
  }
}

async function revoke() {
  try {
    await call("DELETE", "/v1/consent/biometric");
    say(pageStatus, "Your consent is revoked and your selfies are deleted.", "ok");
    await showState();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    say(pageStatus, error.message, "error");
  }
}

if (requireSignIn()) {
  document.getElementById("consent-form").addEventListener("submit", giveConsent);
  selfieForm.addEventListener("submit", uploadSelfie);
  document.getElementById("revoke").addEventListener("click", revoke);
  await showState();
}
