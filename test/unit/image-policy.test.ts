import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../src/aws/ec2.js';
import { InvalidUpgradeInput } from '../../src/errors/index.js';
import { matchesNamePattern, requireAllowedImage } from '../../src/workflows/upgrade/image-policy.js';

const OWN = '111122223333';
const images: ImageFacts[] = [
  {
    imageId: 'ami-00000000000000001',
    name: 'hashistack-alpine-3.22-20260201',
    state: 'available',
    creationDate: '2026-02-01T00:00:00Z',
    ownerId: OWN,
    architecture: 'x86_64',
    tags: { 'hashistack:os': 'alpine' },
  },
  {
    imageId: 'ami-00000000000000002',
    name: 'hashistack-alpine-3.22-20260201',
    state: 'available',
    creationDate: '2026-02-01T00:00:00Z',
    ownerId: '999988887777',
    architecture: 'x86_64',
    tags: { 'hashistack:os': 'alpine' },
  },
  {
    imageId: 'ami-00000000000000003',
    name: 'ubuntu-24.04',
    state: 'available',
    creationDate: '2026-02-01T00:00:00Z',
    ownerId: OWN,
    architecture: 'x86_64',
    tags: { 'hashistack:os': 'alpine' },
  },
  {
    imageId: 'ami-00000000000000004',
    name: 'hashistack-alpine-3.22-20260301',
    state: 'available',
    creationDate: '2026-03-01T00:00:00Z',
    ownerId: OWN,
    architecture: 'x86_64',
    tags: {},
  },
  {
    imageId: 'ami-00000000000000005',
    name: 'hashistack-alpine-3.22-20260401',
    state: 'pending',
    creationDate: '2026-04-01T00:00:00Z',
    ownerId: OWN,
    architecture: 'x86_64',
    tags: { 'hashistack:os': 'alpine' },
  },
];

/** DescribeImages as EC2 answers it: ids, then owners (`self` = this account). */
async function describeImages(input: { imageIds?: string[]; owners?: string[] }): Promise<ImageFacts[]> {
  const owners = input.owners?.map((o) => (o === 'self' ? OWN : o));
  return images.filter((i) => (!input.imageIds || input.imageIds.includes(i.imageId)) && (!owners || owners.includes(i.ownerId)));
}

const deps = (amiAllowedIds: string[] = []) => ({
  config: { amiFilter: { owners: ['self'], namePattern: 'hashistack-alpine-*', tags: { 'hashistack:os': 'alpine' } }, amiAllowedIds },
  ec2: { describeImages },
});

const refusal = (id: string, allowed: string[] = []) =>
  requireAllowedImage(id, 'imageId', deps(allowed)).then(
    () => 'allowed',
    (e: unknown) => (e instanceof InvalidUpgradeInput ? e.message : `unexpected ${String(e)}`),
  );

describe('images an upgrade may roll out', () => {
  it('accepts an image matching amiFilter (owner, name pattern, tags)', async () => {
    expect(await refusal('ami-00000000000000001')).toBe('allowed');
  });
  it("refuses another account's image, naming the owner rule", async () => {
    expect(await refusal('ami-00000000000000002')).toMatch(
      /imageId: image ami-00000000000000002 is not allowed for upgrades: its owner 999988887777 is not one of amiFilter\.owners \(self\).*amiAllowedIds/,
    );
  });
  it('refuses an image whose name does not match, naming the pattern', async () => {
    expect(await refusal('ami-00000000000000003')).toMatch(/name "ubuntu-24\.04" does not match amiFilter\.namePattern "hashistack-alpine-\*"/);
  });
  it('refuses an image without a required tag, naming the tag', async () => {
    expect(await refusal('ami-00000000000000004')).toMatch(/lacks the tag hashistack:os=alpine/);
  });
  it('an explicit allow-list entry admits an image outside the filter, but never an unavailable or unknown one', async () => {
    expect(await refusal('ami-00000000000000002', ['ami-00000000000000002'])).toBe('allowed');
    expect(await refusal('ami-00000000000000005', ['ami-00000000000000005'])).toMatch(/is pending, not available/);
    expect(await refusal('ami-0000000000000000f', ['ami-0000000000000000f'])).toMatch(/does not exist/);
  });
  it('name patterns use EC2 wildcards only (* and ?), everything else literally', () => {
    expect(matchesNamePattern('hashistack-alpine-3.22', 'hashistack-alpine-*')).toBe(true);
    expect(matchesNamePattern('hashistack-alpine-3x22', 'hashistack-alpine-3.22')).toBe(false);
    expect(matchesNamePattern('img-a1', 'img-?1')).toBe(true);
    expect(matchesNamePattern('prefix-hashistack-alpine-1', 'hashistack-alpine-*')).toBe(false);
  });
});
