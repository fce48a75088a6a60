// Wairo client: the calls of the attendee and photographer flows, with nothing but `fetch`.
// Works in browsers and in Node 20 (global fetch, Blob and Web Crypto). See README.md beside it.
//
//   import { AttendeeClient, PhotographerClient } from './wairo.mjs';
//
// Every call answers the API's JSON body; a status the call does not expect throws an ApiError
// carrying the API's error body (`{"error": {"code", "message", "details"?}, "requestId"}`).

/** @typedef {Blob | ArrayBuffer | Uint8Array} FileBody  A file's bytes: a browser File, a Node Buffer... */

/**
 * @typedef {{id: string, status: string, projectId: string | null, projectName: string, photoCount: number,
 *   photosDownloaded: number, subtotalCents: number, discountAppliedCents: number, totalCents: number,
 *   currency: string, appliedPromoCode: string | null, createdAt: string}} Purchase  `GET /v1/purchases` items
 */

/**
 * @typedef {object} PollOptions
 * @property {number} [intervalMs]  pause between two reads (default 1000)
 * @property {number} [timeoutMs]   give up after this long (default 120 000)
 * @property {AbortSignal} [signal] stops the polling early
 */

/** An error the API answered: its status and the `error` object of its JSON body. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{code?: string, message?: string, details?: unknown}} error
   * @param {string | null} requestId  the response's `X-Request-ID` (on every server log line)
   * @param {string} what  the request, e.g. `POST /v1/purchases`
   */
  constructor(status, error, requestId, what) {
    super(`${what}: ${status} ${error.code ?? 'error'}: ${error.message ?? ''}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error.code ?? null;
    this.details = error.details ?? null;
    this.requestId = requestId;
  }
}

/** Upload bodies the media API accepts (anything else it refuses with 422). */
export const CONTENT_TYPES = {jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp'};

/**
 * The content type of a file name by its extension (`image/jpeg` when unknown).
 * @param {string} name
 * @returns {string}
 */
export function contentTypeOf(name) {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  return CONTENT_TYPES[/** @type {keyof typeof CONTENT_TYPES} */ (ext)] ?? 'image/jpeg';
}

/**
 * The file's SHA-256 as 64 lower-case hex characters (what `clientSha256` takes).
 * @param {FileBody} file
 * @returns {Promise<string>}
 */
export async function sha256Hex(file) {
  const bytes = file instanceof Blob ? await file.arrayBuffer() : file;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {FileBody} file */
function sizeOf(file) {
  return file instanceof Blob ? file.size : file.byteLength;
}

/**
 * PUT a file's bytes to a presigned storage URL with the headers it was signed for (the server
 * never proxies file bytes).
 * @param {string} uploadUrl
 * @param {FileBody} file
 * @param {Record<string, string>} headers  the upload-URL response's `headers` (Content-Type at least)
 * @returns {Promise<void>}
 */
export async function putToStorage(uploadUrl, file, headers) {
  const response = await fetch(uploadUrl, {method: 'PUT', body: /** @type {BodyInit} */ (file), headers});
  if (!response.ok) {
    const text = await response.text();
    throw new ApiError(response.status, {code: 'storage_put_failed', message: text.slice(0, 300)}, null, 'PUT upload');
  }
}

/**
 * Read `fetchOnce` until `isDone` says so; answers the last value.
 * @template T
 * @param {() => Promise<T>} fetchOnce
 * @param {(value: T) => boolean} isDone
 * @param {PollOptions & {what?: string}} [options]
 * @returns {Promise<T>}
 */
export async function poll(fetchOnce, isDone, {intervalMs = 1000, timeoutMs = 120_000, signal, what = 'result'} = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const value = await fetchOnce();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not done after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * The JSON of a body; null when it is not JSON (a proxy's HTML error page, say).
 * @param {string} text
 */
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** One API (a base URL) and the caller's access token. */
class Api {
  /** @param {string} baseUrl */
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    /** @type {string | null} */
    this.token = null;
  }

  /**
   * One JSON request; answers `{body, headers}` or throws ApiError.
   * @param {string} method
   * @param {string} path  the API's path (query string included)
   * @param {{json?: unknown, expect?: number, auth?: boolean}} [options]
   * @returns {Promise<{body: any, headers: Headers}>}
   */
  async send(method, path, {json, expect = 200, auth = true} = {}) {
    /** @type {Record<string, string>} */
    const headers = {Accept: 'application/json'};
    if (json !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    const body = text ? parseJson(text) : null;
    if (response.status !== expect) {
      const error = body?.error ?? {code: 'unexpected_status', message: text.slice(0, 300)};
      throw new ApiError(response.status, error, response.headers.get('X-Request-ID'), `${method} ${path}`);
    }
    return {body, headers: response.headers};
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{json?: unknown, expect?: number, auth?: boolean}} [options]
   */
  async call(method, path, options) {
    return (await this.send(method, path, options)).body;
  }
}

/** @param {Record<string, string | number | undefined | null>} params */
function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}` : '';
}

/**
 * An attendee: main API (accounts, consent, joining, photos, purchases) and the media API (selfie)
 * with the one token main-API login issues (audiences `main` and `media`).
 */
export class AttendeeClient {
  /** @param {{mainUrl: string, mediaUrl: string}} urls */
  constructor({mainUrl, mediaUrl}) {
    this.main = new Api(mainUrl);
    this.media = new Api(mediaUrl);
  }

  /** @param {string} token */
  useToken(token) {
    this.main.token = this.media.token = token;
  }

  /**
   * `POST /v1/auth/register` (201); the new account's token is used from then on.
   * @param {{name: string, email: string, password: string}} account  password: 8 characters or more
   * @returns {Promise<string>} the access token
   */
  async register(account) {
    const {token} = await this.main.call('POST', '/v1/auth/register', {json: account, expect: 201, auth: false});
    this.useToken(token);
    return token;
  }

  /**
   * `POST /v1/auth/login`; 401 `invalid_credentials`, 429 after repeated failures.
   * @param {{email: string, password: string}} credentials
   * @returns {Promise<string>} the access token
   */
  async login(credentials) {
    const {token} = await this.main.call('POST', '/v1/auth/login', {json: credentials, auth: false});
    this.useToken(token);
    return token;
  }

  /**
   * Register, or log in when the email already has an account (409 `email_taken`).
   * @param {{name: string, email: string, password: string}} account
   * @returns {Promise<string>}
   */
  async registerOrLogin(account) {
    try {
      return await this.register(account);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'email_taken')) throw error;
      return this.login({email: account.email, password: account.password});
    }
  }

  /**
   * `GET /v1/projects/{id}/public` (no auth): the event's name, for the join page.
   * @param {string} projectId
   * @returns {Promise<{id: string, name: string}>}
   */
  publicProject(projectId) {
    return this.main.call('GET', `/v1/projects/${projectId}/public`, {auth: false});
  }

  /**
   * `GET /v1/projects/{id}/terms`: the terms to accept, or null when the project has none stored
   * (404 `no_terms`: show the platform's default text).
   * @param {string} projectId
   * @returns {Promise<{version: string, content: string, effectiveAt: string} | null>}
   */
  async terms(projectId) {
    try {
      return await this.main.call('GET', `/v1/projects/${projectId}/terms`, {auth: false});
    } catch (error) {
      if (error instanceof ApiError && error.code === 'no_terms') return null;
      throw error;
    }
  }

  /**
   * `GET /v1/consent`: the caller's consent rows, revoked ones included.
   * @returns {Promise<Array<{consentType: string, consentVersion: string, revokedAt: string | null}>>}
   */
  consents() {
    return this.main.call('GET', '/v1/consent');
  }

  /**
   * `POST /v1/consent/biometric` (201): required before a selfie upload URL (403 without it).
   * Gives it only when no live biometric consent exists.
   * @param {string} consentVersion  the version of the consent text the attendee read
   * @returns {Promise<{consentVersion: string}>} the live consent
   */
  async giveBiometricConsent(consentVersion) {
    const live = (await this.consents()).find((c) => c.consentType === 'biometric_processing' && !c.revokedAt);
    return live ?? this.main.call('POST', '/v1/consent/biometric', {json: {consentVersion}, expect: 201});
  }

  /**
   * `POST /v1/qr/join` (201), accepting the project's terms. The same call serves a QR code's and an
   * invite link's join: a private project admits the caller when a live invite names their email
   * (403 `invite_required` otherwise); 409 `already_member`, 409 `project_closed`.
   * @param {string} projectId
   * @returns {Promise<{projectMemberId: string, qrToken: string, expiresAt: string}>}
   */
  join(projectId) {
    return this.main.call('POST', '/v1/qr/join', {json: {projectId, termsAccepted: true}, expect: 201});
  }

  /**
   * Join, or carry on when already a member (answers null then).
   * @param {string} projectId
   */
  async joinOnce(projectId) {
    try {
      return await this.join(projectId);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'already_member') return null;
      throw error;
    }
  }

  /**
   * `POST /v1/selfie/upload-url` (201): a presigned PUT bound to the content type (and size, when
   * given); 403 without biometric consent, 409 `selfie_limit` past three kept selfies.
   * @param {{contentType?: string, sizeBytes?: number}} [file]
   * @returns {Promise<{selfieId: string, uploadUrl: string, key: string, expiresInSeconds: number, headers: Record<string, string>}>}
   */
  selfieUploadUrl(file = {}) {
    return this.media.call('POST', '/v1/selfie/upload-url', {json: file, expect: 201});
  }

  /**
   * `POST /v1/selfie/{selfieId}/complete` (202) once the PUT is done (409 when the object is not in storage).
   * @param {string} selfieId
   * @returns {Promise<{selfieId: string, status: string}>}
   */
  completeSelfie(selfieId) {
    return this.media.call('POST', `/v1/selfie/${selfieId}/complete`, {expect: 202});
  }

  /**
   * A selfie in one go: upload URL → PUT of the bytes with the signed `Content-Type` → complete.
   * Processing (face check, then matching in each joined project) runs after: `waitForSelfie`.
   * @param {FileBody} file
   * @param {string} [contentType]  image/jpeg, image/png or image/webp (a File's own type by default)
   * @returns {Promise<{selfieId: string, key: string}>}
   */
  async uploadSelfie(file, contentType) {
    const type = contentType ?? ((file instanceof Blob && file.type) || 'image/jpeg');
    const upload = await this.selfieUploadUrl({contentType: type, sizeBytes: sizeOf(file)});
    await putToStorage(upload.uploadUrl, file, upload.headers); // what the URL is signed for
    await this.completeSelfie(upload.selfieId);
    return {selfieId: upload.selfieId, key: upload.key};
  }

  /**
   * `GET /v1/selfie`: the latest selfie (404 `no_selfie` before any).
   * @returns {Promise<{id: string, status: string, rejectionReason: string | null, createdAt: string}>}
   */
  selfie() {
    return this.media.call('GET', '/v1/selfie');
  }

  /**
   * Poll `GET /v1/selfie` until it is `approved` or `rejected` (with `rejectionReason`).
   * @param {PollOptions} [options]
   */
  waitForSelfie(options) {
    return poll(() => this.selfie(), (s) => s.status === 'approved' || s.status === 'rejected', {
      what: 'selfie',
      ...options,
    });
  }

  /**
   * One page of `GET /v1/photos`: ready photos of the caller's projects, those they are tagged in
   * first; the next page's cursor comes in the `X-Next-Cursor` header (null on the last page).
   * @param {{limit?: number, cursor?: string | null}} [page]  limit 1..100 (default 50)
   * @returns {Promise<{photos: Array<{id: string, projectId: string, tagged: boolean, hasPurchase: boolean,
   *   isFavourite: boolean, thumbnailUrl: string | null}>, nextCursor: string | null}>}
   */
  async photosPage({limit, cursor} = {}) {
    const {body, headers} = await this.main.send('GET', `/v1/photos${query({limit, cursor})}`);
    return {photos: body, nextCursor: headers.get('X-Next-Cursor')};
  }

  /**
   * Every photo, page after page.
   * @param {{limit?: number}} [options]
   */
  async *allPhotos({limit} = {}) {
    let cursor = null;
    do {
      const page = await this.photosPage({limit, cursor});
      yield* page.photos;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * `POST /v1/purchases` (201): the price is quoted server-side (pricing rule, best discount or
   * promo code) and a Stripe PaymentIntent created; `clientSecret` is null when the total is 0 (the
   * purchase is paid at once). Confirm the payment with Stripe.js `confirmCardPayment`; Stripe's
   * webhook then marks the purchase paid.
   * @param {{projectId: string, photoIds: string[], promoCode?: string}} order  1 to 100 ready photos
   * @returns {Promise<{purchaseId: string, clientSecret: string | null, totalCents: number,
   *   subtotalCents: number, discountAppliedCents: number}>}
   */
  checkout(order) {
    return this.main.call('POST', '/v1/purchases', {json: order, expect: 201});
  }

  /**
   * `GET /v1/purchases`, newest first (one page of up to 100).
   * @returns {Promise<Purchase[]>}
   */
  purchases() {
    return this.main.call('GET', `/v1/purchases${query({limit: 100})}`);
  }

  /**
   * Poll `GET /v1/purchases` until this purchase is `paid` (or `failed` / `canceled`).
   * @param {string} purchaseId
   * @param {PollOptions} [options]
   * @returns {Promise<Purchase>}
   */
  async waitForPurchase(purchaseId, options) {
    const settled = ['paid', 'failed', 'canceled'];
    const find = async () => (await this.purchases()).find((p) => p.id === purchaseId);
    const found = await poll(find, (p) => Boolean(p && settled.includes(p.status)), {what: 'purchase', ...options});
    return /** @type {Purchase} */ (found); // isDone saw it
  }

  /**
   * `GET /v1/photos/{id}/download`: a presigned GET of the watermarked photo (15 minutes), for a
   * paid purchase's photos only.
   * @param {string} photoId
   * @returns {Promise<{downloadUrl: string, expiresInSeconds: number}>}
   */
  downloadUrl(photoId) {
    return this.main.call('GET', `/v1/photos/${photoId}/download`);
  }
}

/**
 * A photographer: backoffice login (audiences `backoffice` and `media`), uploads on the media API.
 */
export class PhotographerClient {
  /** @param {{backofficeUrl: string, mediaUrl: string}} urls */
  constructor({backofficeUrl, mediaUrl}) {
    this.backoffice = new Api(backofficeUrl);
    this.media = new Api(mediaUrl);
  }

  /**
   * `POST /v1/auth/login` on the backoffice API (operators and photographers).
   * @param {{email: string, password: string}} credentials
   * @returns {Promise<string>}
   */
  async login(credentials) {
    const {token} = await this.backoffice.call('POST', '/v1/auth/login', {json: credentials, auth: false});
    this.backoffice.token = this.media.token = token;
    return token;
  }

  /**
   * `GET /v1/photographers/me/projects`: the projects this photographer is assigned to.
   * @returns {Promise<Array<{id: string, name: string}>>}
   */
  projects() {
    return this.backoffice.call('GET', '/v1/photographers/me/projects');
  }

  /**
   * `POST /v1/photos/upload-url` (201): the presigned PUT, the `headers` it must carry and the
   * photo's `statusUrl`. With `clientSha256` the same file again in the project is a 409
   * `duplicate_photo` naming the stored photo in `details.photoId`.
   * @param {{projectId: string, fileName?: string, contentType?: string, sizeBytes?: number,
   *   title?: string, tags?: string[], clientSha256?: string}} photo
   * @returns {Promise<{photoId: string, uploadUrl: string, key: string, expiresInSeconds: number,
   *   statusUrl: string, headers: Record<string, string>}>}
   */
  photoUploadUrl(photo) {
    return this.media.call('POST', '/v1/photos/upload-url', {json: photo, expect: 201});
  }

  /**
   * `POST /v1/photos/{photoId}/complete` (202) once the PUT is done (409 when the object is not in storage).
   * @param {string} photoId
   * @returns {Promise<{photoId: string, status: string}>}
   */
  completePhoto(photoId) {
    return this.media.call('POST', `/v1/photos/${photoId}/complete`, {expect: 202});
  }

  /**
   * One photo in one go: upload URL → PUT with the response's `headers` → complete.
   * @param {{projectId: string, file: FileBody, fileName?: string, contentType?: string,
   *   title?: string, tags?: string[], sha256?: string}} photo
   * @returns {Promise<{photoId: string, statusUrl: string, status: string}>}
   */
  async uploadPhoto({projectId, file, fileName, contentType, title, tags, sha256}) {
    const type = contentType ?? ((file instanceof Blob && file.type) || contentTypeOf(fileName ?? ''));
    const upload = await this.photoUploadUrl({
      projectId,
      fileName,
      contentType: type,
      sizeBytes: sizeOf(file),
      title,
      tags,
      clientSha256: sha256,
    });
    await putToStorage(upload.uploadUrl, file, upload.headers);
    const done = await this.completePhoto(upload.photoId);
    return {photoId: upload.photoId, statusUrl: upload.statusUrl, status: done.status};
  }

  /**
   * The photo's status object at its `statusUrl` (a media-API path): status, failureReason, exif,
   * variants, faceCount, title, tags, visibility.
   * @param {string} statusUrl
   */
  photoStatus(statusUrl) {
    return this.media.call('GET', statusUrl);
  }

  /**
   * Poll `statusUrl` until the photo is `ready` or `failed`.
   * @param {string} statusUrl
   * @param {PollOptions} [options]
   */
  waitForPhoto(statusUrl, options) {
    return poll(() => this.photoStatus(statusUrl), (p) => p.status === 'ready' || p.status === 'failed', {
      what: `photo ${statusUrl}`,
      ...options,
    });
  }
}
