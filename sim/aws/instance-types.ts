/**
 * The processor architectures of EC2 instance types, as DescribeInstanceTypes
 * reports them (ProcessorInfo.SupportedArchitectures). A type name is
 * family + generation + attributes + "." + size; the AWS Graviton families
 * carry a "g" among their attributes (a1 is the first Graviton and has none):
 * t4g, m6g, m6gd, c7gn, r8g, x2gd, im4gn, is4gen, g5g are arm64. The other
 * current families are x86_64; the oldest x86 families (t1, t2, m1, m3, c1,
 * c3) also run 32-bit i386 AMIs.
 */
const TYPE = /^([a-z]+)(\d+)([a-z-]*)\.([a-z0-9]+)$/;
const I386_FAMILIES = new Set(['t1', 't2', 'm1', 'm3', 'c1', 'c3']);

/** The architectures an instance type runs, or undefined for a name that is not an instance type. */
export function supportedArchitectures(instanceType: string): string[] | undefined {
  const m = TYPE.exec(instanceType);
  if (!m) return undefined;
  const [, family = '', generation = '', attributes = ''] = m;
  if (`${family}${generation}` === 'a1' || attributes.replace(/-.*$/, '').includes('g')) return ['arm64'];
  return I386_FAMILIES.has(`${family}${generation}`) ? ['i386', 'x86_64'] : ['x86_64'];
}

/** RunInstances' answer when the AMI's architecture is not one the instance type runs (AWS's wording). */
export function architectureMismatch(instanceType: string, imageArchitecture: string): string | undefined {
  const supported = supportedArchitectures(instanceType);
  if (supported === undefined || supported.includes(imageArchitecture)) return undefined;
  return `The architecture '${supported.join(', ')}' of the specified instance type does not match the architecture '${imageArchitecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`;
}
