#!/usr/bin/env node
// The photographer flow in Node 20: backoffice login, then for each photo an upload URL, a PUT of
// its bytes to storage with the headers the URL is signed for, the completion, and polling of the
// photo's statusUrl until it is ready (or failed).
//
//   WAIRO_EMAIL=ana@studio.example WAIRO_PASSWORD=... WAIRO_PROJECT_ID=... \
//   WAIRO_PHOTOS=a.jpg:b.png node docs/clients/node/photographer.mjs
//
// The last line of stdout is a JSON summary: {projectId, photos: [{photoId, fileName, status, ...}]}.
import {readFile} from 'node:fs/promises';
import {basename, delimiter} from 'node:path';
import {env, exit} from 'node:process';

import {ApiError, PhotographerClient, contentTypeOf, sha256Hex} from '../wairo.mjs';
import {required} from './env.mjs';

const client = new PhotographerClient({
  backofficeUrl: env.WAIRO_BACKOFFICE_URL ?? 'http://127.0.0.1:3001',
  mediaUrl: env.WAIRO_MEDIA_URL ?? 'http://127.0.0.1:3003',
});
const projectId = required('WAIRO_PROJECT_ID');
const files = required('WAIRO_PHOTOS').split(delimiter).filter(Boolean);
const tags = (env.WAIRO_TAGS ?? '').split(',').filter(Boolean);

await client.login({email: required('WAIRO_EMAIL'), password: required('WAIRO_PASSWORD')});
console.log('logged in to the backoffice API');

const uploads = [];
for (const path of files) {
  const file = await readFile(path);
  const fileName = basename(path);
  try {
    const upload = await client.uploadPhoto({
      projectId,
      file,
      fileName,
      contentType: contentTypeOf(fileName),
      tags,
      sha256: await sha256Hex(file), // the same file again in the project: 409 duplicate_photo
    });
    console.log(`uploaded ${fileName}: photo ${upload.photoId} ${upload.status}, status at ${upload.statusUrl}`);
    uploads.push({fileName, ...upload});
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'duplicate_photo')) throw error;
    const existing = /** @type {{photoId: string}} */ (error.details).photoId;
    console.log(`skipped ${fileName}: already stored as photo ${existing}`);
    uploads.push({fileName, photoId: existing, statusUrl: `/v1/photos/${existing}`, skipped: true});
  }
}

const photos = [];
for (const upload of uploads) {
  const photo = await client.waitForPhoto(upload.statusUrl, {timeoutMs: 180_000});
  const why = photo.failureReason ? ` (${photo.failureReason})` : '';
  console.log(`${upload.fileName}: ${photo.status}${why}, ${photo.faceCount ?? 0} faces`);
  photos.push({
    photoId: photo.id,
    fileName: upload.fileName,
    status: photo.status,
    failureReason: photo.failureReason,
    faceCount: photo.faceCount,
    skipped: Boolean(upload.skipped),
  });
}
console.log(JSON.stringify({projectId, photos}));
exit(photos.every((p) => p.status === 'ready') ? 0 : 1);
