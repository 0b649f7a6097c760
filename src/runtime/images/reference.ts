/**
 * Image references as Docker and Kubernetes write them:
 * `busybox`, `busybox:1.36`, `127.0.0.1:5000/app:v1`, `host/ns/app@sha256:…`, `name:tag@sha256:…`.
 * Docker Hub names default to `docker.io/library/…`; a missing tag means `latest`.
 */
import { ImageError } from './errors.js';

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API actually lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export interface ImageReference {
  /** Registry host[:port], e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  readonly repository: string;
  /** Tag; `latest` when neither tag nor digest was given. Undefined for digest-only references. */
  readonly tag?: string;
  /** `sha256:<hex>` when the reference pins a digest. */
  readonly digest?: string;
  /** The text as written, for messages (`failed to pull image "busybox:1"`). */
  readonly input?: string;
}

const componentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const hostPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;

function invalid(input: string, why: string): ImageError {
  return new ImageError('InvalidReference', `invalid image reference "${input}": ${why}`, input);
}

export function parseReference(input: string): ImageReference {
  const text = input.trim();
  if (text === '') throw invalid(input, 'the image name is empty');
  if (text.length > 255 + 72) throw invalid(input, 'the reference is too long');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw invalid(input, `"${digest}" is not a sha256 digest (sha256: followed by 64 lowercase hex characters)`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  }

  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))) {
    if (!hostPattern.test(first)) throw invalid(input, `"${first}" is not a valid registry host`);
    registry = first.toLowerCase();
    parts.shift();
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (parts.length === 0 || parts.some((p) => p === '')) throw invalid(input, 'the repository name is empty');
  for (const part of parts) {
    if (!componentPattern.test(part)) {
      const hint = /[A-Z]/.test(part) ? ' (repository names must be lowercase)' : '';
      throw invalid(input, `"${part}" is not a valid repository name component${hint}`);
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) throw invalid(input, 'the repository name is longer than 255 characters');
  if (tag === undefined && digest === undefined) tag = 'latest';
  const base = { registry, repository, input: text };
  return digest === undefined ? { ...base, tag } : tag === undefined ? { ...base, digest } : { ...base, tag, digest };
}

/** `registry/repository` e.g. `docker.io/library/busybox`. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Fully qualified form, e.g. `docker.io/library/busybox:1.36` or `host/app@sha256:…`. */
export function canonicalReference(ref: ImageReference): string {
  const base = repositoryName(ref);
  if (ref.digest) return ref.tag ? `${base}:${ref.tag}@${ref.digest}` : `${base}@${ref.digest}`;
  return `${base}:${ref.tag ?? 'latest'}`;
}

/** Short form people write, e.g. `busybox:1.36` for Docker Hub's library images. */
export function familiarRepository(ref: ImageReference): string {
  if (ref.registry === DOCKER_HUB) {
    return ref.repository.startsWith('library/') && ref.repository.split('/').length === 2
      ? ref.repository.slice('library/'.length)
      : ref.repository;
  }
  return repositoryName(ref);
}

/** What messages call the image: the text the user wrote, else the familiar form. */
export function displayReference(ref: ImageReference): string {
  return ref.input ?? familiarReference(ref);
}

export function familiarReference(ref: ImageReference): string {
  const base = familiarRepository(ref);
  if (ref.digest) return ref.tag ? `${base}:${ref.tag}@${ref.digest}` : `${base}@${ref.digest}`;
  return `${base}:${ref.tag ?? 'latest'}`;
}

/** The host the registry API is served from (Docker Hub's API lives elsewhere than its name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Kubernetes' default pull policy: Always for `:latest` or no tag, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const ref = parseReference(image);
  if (ref.digest) return 'IfNotPresent';
  return ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}
