// Pulls a container's image per imagePullPolicy with the pod's imagePullSecrets, recording kubelet's events.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import type { EventRecorder } from '../client/event-recorder.js';
import { DockerConfig } from '../runtime/images/docker-config.js';
import { ImageError } from '../runtime/images/errors.js';
import type { ImageInfo } from '../runtime/images/image-info.js';
import type { ImageStore, PullPolicy } from '../runtime/images/image-store.js';
import { defaultPullPolicy } from '../runtime/images/reference.js';
import type { ObjectSource } from './object-source.js';

export interface ImagePullerOptions {
  images: ImageStore;
  objects: ObjectSource;
  recorder: EventRecorder;
  insecureRegistries: readonly string[];
  logger: Logger;
}

export class ImagePuller {
  constructor(private readonly options: ImagePullerOptions) {}

  async ensure(pod: Pod, container: Container): Promise<ImageInfo> {
    const image = container.image ?? '';
    if (!image) throw new ImageError('InvalidReference', 'Failed to apply default image tag "": couldn\'t parse image name "": invalid reference format', image);
    const policy = (container.imagePullPolicy as PullPolicy | undefined) ?? defaultPullPolicy(image);
    const { images, recorder } = this.options;
    const present = await images.get(image).catch(() => undefined);
    if (present && policy !== 'Always') {
      void recorder.normal(pod, 'Pulled', `Container image "${image}" already present on machine`);
      return present;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      void recorder.warning(pod, 'ErrImageNeverPull', message);
      throw new ImageError('NotPresent', message, image);
    }
    void recorder.normal(pod, 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    try {
      const auth = await this.pullSecrets(pod);
      const info = await images.pull(image, {
        policy,
        ...(auth ? { auth } : {}),
        insecureRegistries: this.options.insecureRegistries,
        onProgress: (e) => this.options.logger.debug({ image, progress: e }, 'pull progress'),
      });
      const secs = ((Date.now() - started) / 1000).toFixed(3);
      void recorder.normal(pod, 'Pulled', `Successfully pulled image "${image}" in ${secs}s. Image size: ${info.size} bytes.`);
      return info;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void recorder.warning(pod, 'Failed', `Failed to pull image "${image}": ${message.replace(/^failed to pull image "[^"]*": /, '')}`);
      throw err;
    }
  }

  /** The pod's imagePullSecrets as one credential lookup (missing or malformed secrets are skipped, like kubelet). */
  private async pullSecrets(pod: Pod): Promise<DockerConfig | undefined> {
    const refs = pod.spec?.imagePullSecrets ?? [];
    if (refs.length === 0) return undefined;
    const configs: DockerConfig[] = [];
    for (const ref of refs) {
      const secret = await this.options.objects.secret(pod.metadata?.namespace ?? 'default', ref.name ?? '').catch(() => undefined);
      if (!secret?.data) {
        this.options.logger.warn({ secret: ref.name, pod: pod.metadata?.name }, 'image pull secret not found; pulling without it');
        continue;
      }
      try {
        configs.push(DockerConfig.fromSecretData(secret.data));
      } catch (err) {
        this.options.logger.warn({ secret: ref.name, err: (err as Error).message }, 'image pull secret is not a docker config; ignoring it');
      }
    }
    return configs.length ? DockerConfig.merge(...configs) : undefined;
  }
}
