/** Pull progress events, and the one-line text a person sees for each step. */

export type LayerPhase = 'downloading' | 'downloaded' | 'extracting' | 'ready' | 'cached';

export type PullProgressEvent =
  | { kind: 'resolved'; image: string; digest: string; layers: number; totalBytes: number; message?: string }
  | { kind: 'layer'; image: string; digest: string; phase: LayerPhase; bytesDone: number; bytesTotal: number; message?: string }
  | { kind: 'complete'; image: string; digest: string; durationMs: number; bytesDownloaded: number; message?: string };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** A friendly line for phase changes; undefined for byte-count updates (render those as a bar if you like). */
export function formatProgress(event: PullProgressEvent): string | undefined {
  switch (event.kind) {
    case 'resolved':
      return `${event.image}: resolved to ${event.digest}, ${event.layers} layer${event.layers === 1 ? '' : 's'}, ${formatBytes(event.totalBytes)}`;
    case 'complete':
      return `${event.image}: pulled ${event.digest} in ${(event.durationMs / 1000).toFixed(2)} s (${formatBytes(event.bytesDownloaded)} downloaded)`;
    case 'layer':
      switch (event.phase) {
        case 'cached': return `${short(event.digest)}: already present`;
        case 'downloading': return event.bytesDone === 0 ? `${short(event.digest)}: downloading ${formatBytes(event.bytesTotal)}` : undefined;
        case 'downloaded': return `${short(event.digest)}: downloaded and verified ${formatBytes(event.bytesTotal)}`;
        case 'extracting': return `${short(event.digest)}: extracting`;
        case 'ready': return `${short(event.digest)}: ready`;
      }
  }
  return undefined;
}
