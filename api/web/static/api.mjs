// Shared by the pages: configuration from the page's <meta> tags, the session token, API calls.
// The token is kept in sessionStorage and sent as a bearer token (see api/web/__init__.py).

const TOKEN_KEY = "wairo.token";

function meta(name) {
  const tag = document.querySelector(`meta[name="${name}"]`);
  return tag ? tag.content : "";
}

export const mediaApi = meta("wairo-media-api");
export const projectId = meta("wairo-project");
export const paths = {
  join: meta("wairo-path-join"),
  selfie: meta("wairo-path-selfie"),
  photos: meta("wairo-path-photos"),
  checkout: meta("wairo-path-checkout"),
};

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

// A JSON call: `url` is a main-API path or a media-API URL. Answers {data, headers}; a 4xx/5xx
// throws an ApiError with the API's code and message.
export async function call(method, url, { body, auth = true } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token()) headers.Authorization = `Bearer ${token()}`;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "We could not reach Wairo. Check your connection and try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    if (response.status === 401) clearToken();
    throw new ApiError(response.status, error.code || "error", error.message || "Something went wrong. Please try again.", error.details);
  }
  return { data, headers: response.headers };
}

export const media = (path) => `${mediaApi}${path}`;

// Pages that need an account send a signed-out visitor to the event's join page.
export function requireSignIn() {
  if (!token()) {
    location.assign(paths.join);
    return false;
  }
  return true;
}

export function say(element, text, kind = "") {
  element.textContent = text;
  element.dataset.kind = kind;
}

export function show(element, visible = true) {
  element.hidden = !visible;
}

for (const button of document.querySelectorAll("[data-sign-out]")) {
  show(button, Boolean(token()));
  button.addEventListener("click", () => {
    clearToken();
    location.assign(paths.join);
  });
}
