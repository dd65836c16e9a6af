/**
 * Which images an upgrade may roll out: those the AMI refresh would pick
 * (amiFilter: owners, name pattern, tags) or listed in amiAllowedIds. Without
 * it, anyone allowed to start an upgrade could roll any available AMI — another
 * account's public one included — onto nodes that hold the cluster's secrets.
 */
import type { describeImages, ImageFacts, instanceTypeArchitectures } from '../../aws/ec2.js';
import type { Config } from '../../config/index.js';
import { InvalidUpgradeInput } from '../../errors/index.js';

export interface ImagePolicyDeps {
  config: Pick<Config, 'amiFilter' | 'amiAllowedIds'>;
  ec2: { describeImages: typeof describeImages };
}

/** EC2 filter wildcards: `*` any run of characters, `?` one character. */
export function matchesNamePattern(name: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(name);
}

/** Why the image breaks the name or tag rule of amiFilter, or undefined when it follows both. */
export function nameOrTagViolation(image: Pick<ImageFacts, 'name' | 'tags'>, filter: Config['amiFilter']): string | undefined {
  if (!matchesNamePattern(image.name, filter.namePattern)) return `its name "${image.name}" does not match amiFilter.namePattern "${filter.namePattern}"`;
  for (const [key, value] of Object.entries(filter.tags)) {
    if (image.tags[key] !== value)
      return `it lacks the tag ${key}=${value} that amiFilter.tags requires${image.tags[key] === undefined ? '' : ` (it has ${key}=${image.tags[key]})`}`;
  }
  return undefined;
}

/**
 * The image, which must exist, be available and be allowed for upgrades.
 * The owner rule is EC2's own (DescribeImages with the configured owners, so
 * `self`, `amazon` and account ids mean what they mean to the AMI refresh).
 * @param what how the input named it, for the message (e.g. `imageId`)
 * @throws InvalidUpgradeInput naming the rule the image breaks
 */
export async function requireAllowedImage(imageId: string, what: string, deps: ImagePolicyDeps): Promise<ImageFacts> {
  const [image] = await deps.ec2.describeImages({ imageIds: [imageId] });
  if (!image) throw new InvalidUpgradeInput(`${what}: image ${imageId} does not exist in this account and region`);
  if (image.state !== 'available') throw new InvalidUpgradeInput(`${what}: image ${imageId} is ${image.state}, not available`);
  if (deps.config.amiAllowedIds.includes(image.imageId)) return image;
  const refuse = (why: string): never => {
    throw new InvalidUpgradeInput(
      `${what}: image ${imageId} is not allowed for upgrades: ${why}. Upgrades accept only images matching amiFilter, or listed in amiAllowedIds`,
    );
  };
  const { owners } = deps.config.amiFilter;
  const owned = await deps.ec2.describeImages({ imageIds: [imageId], owners });
  if (owned.length === 0) refuse(`its owner ${image.ownerId || 'unknown'} is not one of amiFilter.owners (${owners.join(', ')})`);
  const violation = nameOrTagViolation(image, deps.config.amiFilter);
  if (violation) refuse(violation);
  return image;
}

/**
 * The image must run on the pool's instance type: EC2 refuses to launch an
 * x86_64 AMI on an arm64 (Graviton) type and vice versa, so the group's
 * launches would fail until the upgrade stalls. Without an instance type in
 * the launch template (the group would name it) there is nothing to compare.
 * @throws InvalidUpgradeInput naming both architectures
 */
export async function requireMatchingArchitecture(
  image: ImageFacts,
  instanceType: string | undefined,
  what: string,
  pool: string,
  deps: { ec2: { instanceTypeArchitectures: typeof instanceTypeArchitectures } },
): Promise<void> {
  if (instanceType === undefined) return;
  const supported = await deps.ec2.instanceTypeArchitectures(instanceType);
  if (supported === undefined)
    throw new InvalidUpgradeInput(`${what}: pool ${pool} launches instance type ${instanceType}, which EC2 does not know in this region`);
  if (!supported.includes(image.architecture)) {
    throw new InvalidUpgradeInput(
      `${what}: image ${image.imageId} is ${image.architecture || 'of unknown architecture'}, but pool ${pool} launches ${instanceType} (${supported.join(', ')}); give an ${supported.join(' or ')} image`,
    );
  }
}
