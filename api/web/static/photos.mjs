// The event's photos: "Photos of you" first (the list's `tagged` flag), then the rest of the event,
// lazy-loaded thumbnails paged by X-Next-Cursor, favourites, and the project's albums.
import { ApiError, call, paths, projectId, requireSignIn, say, show } from "./api.mjs";

const PAGE = 50;
const status = document.getElementById("photos-status");
const more = document.getElementById("more");
const grids = { tagged: document.getElementById("tagged-grid"), rest: document.getElementById("rest-grid") };
let cursor = null;
let shown = 0;

function photoItem(photo) {
  const item = document.createElement("li");
  item.className = "photo";
  const image = document.createElement("img");
  image.loading = "lazy";
  image.decoding = "async";
  image.alt = photo.tagged ? "A photo you are in" : "A photo from the event";
  if (photo.width && photo.height) {
    image.width = photo.width;
    image.height = photo.height;
  }
  if (photo.thumbnailUrl) image.src = photo.thumbnailUrl;
  const favourite = document.createElement("button");
  favourite.type = "button";
  favourite.className = "favourite";
  const mark = (on) => {
    favourite.setAttribute("aria-pressed", String(on));
    favourite.textContent = on ? "★ Favourite" : "☆ Favourite";
  };
  mark(photo.isFavourite);
  favourite.addEventListener("click", async () => {
    try {
      mark((await call("POST", `/v1/photos/${photo.id}/favourite`)).data.isFavourite);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(status, error.message, "error");
    }
  });
  item.append(image, favourite);
  return item;
}

// GET /v1/photos lists every event the user is in (tagged first): this page keeps its own event's.
async function loadPage() {
  more.disabled = true;
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (cursor) query.set("cursor", cursor);
  try {
    const { data, headers } = await call("GET", `/v1/photos?${query}`);
    for (const photo of data.filter((p) => p.projectId === projectId)) {
      grids[photo.tagged ? "tagged" : "rest"].append(photoItem(photo));
      shown += 1;
    }
    cursor = headers.get("X-Next-Cursor");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return location.assign(paths.join);
    return say(status, error.message, "error");
  } finally {
    more.disabled = false;
  }
  show(document.getElementById("tagged"), grids.tagged.children.length > 0);
  show(more, Boolean(cursor));
  say(status, shown ? "" : "No photos yet: they appear here as the photographers upload them.");
}

async function openAlbum(album) {
  const grid = document.getElementById("album-grid");
  grid.replaceChildren();
  document.getElementById("album-title").textContent = album.name;
  show(document.getElementById("all-photos"), false);
  show(document.getElementById("album-view"));
  let next = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (next) query.set("cursor", next);
    const { data, headers } = await call("GET", `/v1/albums/${album.id}/photos?${query}`);
    grid.append(...data.map(photoItem));
    next = headers.get("X-Next-Cursor");
  } while (next);
}

async function loadAlbums() {
  let albums;
  try {
    albums = (await call("GET", `/v1/projects/${projectId}/albums`)).data;
  } catch (error) {
    if (error instanceof ApiError) return; // not (yet) a member: no albums to show
    throw error;
  }
  const list = document.getElementById("album-list");
  for (const album of albums.filter((a) => a.photoCount > 0)) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = `${album.name} (${album.photoCount})`;
    button.addEventListener("click", () => openAlbum(album));
    item.append(button);
    list.append(item);
  }
  show(document.getElementById("albums"), list.children.length > 0);
}

async function selfieHint() {
  const consents = (await call("GET", "/v1/consent")).data;
  show(document.getElementById("selfie-hint"), !consents.some((c) => !c.revokedAt));
}

if (requireSignIn()) {
  more.addEventListener("click", loadPage);
  document.getElementById("album-close").addEventListener("click", () => {
    show(document.getElementById("album-view"), false);
    show(document.getElementById("all-photos"));
  });
  // The next page loads as the button scrolls into view (the button stays for keyboards).
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && !more.hidden && !more.disabled) loadPage();
  }).observe(more);
  await Promise.all([loadPage(), loadAlbums(), selfieHint()]);
}
