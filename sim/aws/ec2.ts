import type { SimRequest, SimResponse, SimService } from '../core/http.js';
import type { Rng } from '../core/rng.js';
import type { Ec2Model } from './ec2-model.js';
import { AwsApiError } from './errors.js';
import { checkIdShape } from './identifiers.js';
import { supportedArchitectures } from './instance-types.js';
import { EC2_INSTANCES_PAGING, page } from './protocol/paging.js';
import { ec2Error, ec2Response, int, list, parseQueryRequest, queryAction, str, strList, type QueryNode } from './protocol/query.js';
import type { XmlValue } from './protocol/xml.js';
import { EC2_STATE_CODES, type Ec2Image, type Ec2Instance, type LaunchTemplate, type LaunchTemplateData, type LaunchTemplateVersion } from './state.js';

type Handler = (params: QueryNode) => { [key: string]: XmlValue };
interface Filter {
  name: string;
  values: string[];
}

/** The EC2 API (ec2 query protocol, version 2016-11-15) over the simulated instances, images and launch templates. */
export class Ec2Service implements SimService {
  readonly name = 'ec2' as const;
  private readonly rng: Rng;
  private readonly handlers: Record<string, Handler>;

  constructor(
    private readonly model: Ec2Model,
    rng: Rng,
  ) {
    this.rng = rng.fork('ec2-requests');
    this.handlers = {
      DescribeInstances: (p) => this.describeInstances(p),
      DescribeImages: (p) => this.describeImages(p),
      DescribeInstanceTypes: (p) => describeInstanceTypes(p),
      CreateTags: (p) => {
        const tags = Object.fromEntries(list(p, 'Tag').map((t) => [str(t, 'Key') ?? '', str(t, 'Value') ?? '']));
        this.model.createTags(strList(p, 'ResourceId'), tags);
        return { return: true };
      },
      DeleteTags: (p) => {
        this.model.deleteTags(
          strList(p, 'ResourceId'),
          list(p, 'Tag').map((t) => ({ key: str(t, 'Key') ?? '', value: str(t, 'Value') })),
        );
        return { return: true };
      },
      DescribeTags: (p) => this.describeTags(p),
      CreateLaunchTemplate: (p) => {
        const template = this.model.createLaunchTemplate({
          name: requiredParam(p, 'LaunchTemplateName'),
          data: templateData(p),
          description: str(p, 'VersionDescription'),
          tags: tagSpecifications(p, 'launch-template'),
        });
        return { launchTemplate: templateXml(template) };
      },
      CreateLaunchTemplateVersion: (p) => {
        const template = this.model.findTemplate({ id: str(p, 'LaunchTemplateId'), name: str(p, 'LaunchTemplateName') });
        const version = this.model.createLaunchTemplateVersion({
          template,
          sourceVersion: str(p, 'SourceVersion'),
          data: templateData(p),
          description: str(p, 'VersionDescription'),
        });
        return { launchTemplateVersion: versionXml(template, version) };
      },
      DescribeLaunchTemplates: (p) => this.describeTemplates(p),
      DescribeLaunchTemplateVersions: (p) => this.describeVersions(p),
      ModifyLaunchTemplate: (p) => {
        const template = this.model.findTemplate({ id: str(p, 'LaunchTemplateId'), name: str(p, 'LaunchTemplateName') });
        const version = str(p, 'SetDefaultVersion');
        if (version !== undefined) this.model.setDefaultVersion(template, version);
        return { launchTemplate: templateXml(template) };
      },
    };
  }

  actionOf(req: SimRequest): string {
    return queryAction(req);
  }

  handle(req: SimRequest): SimResponse {
    const params = parseQueryRequest(req);
    const action = str(params, 'Action') ?? '';
    const requestId = this.rng.uuid();
    const handler = this.handlers[action];
    if (!handler) return ec2Error({ status: 400, code: 'InvalidAction', message: `The action ${action} is not valid for this web service.` }, requestId);
    try {
      return ec2Response(action, handler(params), requestId);
    } catch (error) {
      if (error instanceof AwsApiError) return ec2Error(error, requestId);
      throw error;
    }
  }

  throttled(): SimResponse {
    return ec2Error({ status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' }, this.rng.uuid());
  }

  serverError(): SimResponse {
    return ec2Error({ status: 500, code: 'InternalError', message: 'An internal error has occurred' }, this.rng.uuid());
  }

  private describeInstances(p: QueryNode): { [key: string]: XmlValue } {
    const ids = strList(p, 'InstanceId');
    const maxResults = int(p, 'MaxResults');
    if (ids.length > 0 && maxResults !== undefined)
      throw new AwsApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    for (const id of ids) this.model.instance(id);
    const filters = filtersOf(p);
    const all = [...this.model.instances.values()].filter(
      (i) => (ids.length === 0 || ids.includes(i.instanceId)) && filters.every((f) => matchesInstance(i, f)),
    );
    const { items: matches, nextToken } = page(all, maxResults, str(p, 'NextToken'), EC2_INSTANCES_PAGING);
    return {
      ...(nextToken ? { nextToken } : {}),
      reservationSet: matches.map((i) => ({
        reservationId: `r-${i.instanceId.slice(2)}`,
        ownerId: '000000000000',
        groupSet: [],
        instancesSet: [instanceXml(i)],
      })),
    };
  }

  private describeImages(p: QueryNode): { [key: string]: XmlValue } {
    const ids = strList(p, 'ImageId');
    for (const id of ids) checkIdShape('image', id);
    for (const id of ids) if (!this.model.images.has(id)) throw new AwsApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
    const owners = strList(p, 'Owner').map((o) => (o === 'self' ? '000000000000' : o));
    const filters = filtersOf(p);
    const images = [...this.model.images.values()].filter(
      (img) =>
        (ids.length === 0 || ids.includes(img.imageId)) && (owners.length === 0 || owners.includes(img.ownerId)) && filters.every((f) => matchesImage(img, f)),
    );
    return { imagesSet: images.map(imageXml) };
  }

  private describeTags(p: QueryNode): { [key: string]: XmlValue } {
    const filters = filtersOf(p);
    const rows: Array<{ resourceId: string; resourceType: string; key: string; value: string }> = [];
    for (const i of this.model.instances.values())
      for (const [key, value] of Object.entries(i.tags)) rows.push({ resourceId: i.instanceId, resourceType: 'instance', key, value });
    for (const img of this.model.images.values())
      for (const [key, value] of Object.entries(img.tags)) rows.push({ resourceId: img.imageId, resourceType: 'image', key, value });
    for (const t of this.model.templates.values())
      for (const [key, value] of Object.entries(t.tags)) rows.push({ resourceId: t.id, resourceType: 'launch-template', key, value });
    const fieldOf: Record<string, keyof (typeof rows)[number]> = { 'resource-id': 'resourceId', 'resource-type': 'resourceType', key: 'key', value: 'value' };
    const kept = rows.filter((r) =>
      filters.every((f) => {
        const field = fieldOf[f.name];
        if (!field) throw new AwsApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
        return f.values.some((v) => wildcard(v).test(r[field]));
      }),
    );
    return { tagSet: kept };
  }

  private describeTemplates(p: QueryNode): { [key: string]: XmlValue } {
    const ids = strList(p, 'LaunchTemplateId');
    const names = strList(p, 'LaunchTemplateName');
    for (const id of ids) this.model.findTemplate({ id });
    for (const name of names) this.model.findTemplate({ name });
    const filters = filtersOf(p);
    const templates = [...this.model.templates.values()].filter(
      (t) =>
        (ids.length === 0 || ids.includes(t.id)) &&
        (names.length === 0 || names.includes(t.name)) &&
        filters.every((f) => matchesTags(t.tags, f) ?? (f.name === 'launch-template-name' ? f.values.some((v) => wildcard(v).test(t.name)) : unknownFilter(f))),
    );
    return { launchTemplates: templates.map(templateXml) };
  }

  private describeVersions(p: QueryNode): { [key: string]: XmlValue } {
    const templates =
      str(p, 'LaunchTemplateId') !== undefined || str(p, 'LaunchTemplateName') !== undefined
        ? [this.model.findTemplate({ id: str(p, 'LaunchTemplateId'), name: str(p, 'LaunchTemplateName') })]
        : [...this.model.templates.values()];
    const specs = strList(p, 'LaunchTemplateVersion');
    const rows: XmlValue[] = [];
    for (const t of templates) {
      const versions = specs.length === 0 ? [...t.versions].reverse() : specs.map((s) => this.model.resolveVersion(t, s));
      for (const v of versions) rows.push(versionXml(t, v));
    }
    return { launchTemplateVersionSet: rows };
  }
}

/** DescribeInstanceTypes by name (the control plane never lists the whole catalog): an unknown name is InvalidInstanceType. */
function describeInstanceTypes(p: QueryNode): { [key: string]: XmlValue } {
  const names = strList(p, 'InstanceType');
  if (names.length === 0) throw new AwsApiError('InvalidParameterCombination', 'The simulator answers DescribeInstanceTypes for named InstanceTypes only');
  const bad = names.filter((n) => supportedArchitectures(n) === undefined);
  if (bad.length > 0) throw new AwsApiError('InvalidInstanceType', `The following supplied instance types do not exist: [${bad.join(', ')}]`);
  return {
    instanceTypeSet: names.map((n) => ({ instanceType: n, processorInfo: { supportedArchitectures: supportedArchitectures(n) as string[] } })),
  };
}

function requiredParam(p: QueryNode, name: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw new AwsApiError('MissingParameter', `The request must contain the parameter ${name}`);
  return v;
}

function filtersOf(p: QueryNode): Filter[] {
  return list(p, 'Filter').map((f) => ({ name: str(f, 'Name') ?? '', values: strList(f, 'Value') }));
}

/** EC2 filter values accept `*` (any run) and `?` (one character). */
function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

function anyMatches(values: string[], actual: string | undefined): boolean {
  return actual !== undefined && values.some((v) => wildcard(v).test(actual));
}

/** tag:<key>, tag-key and tag-value; undefined when `f` is not a tag filter. */
function matchesTags(tags: Record<string, string>, f: Filter): boolean | undefined {
  if (f.name.startsWith('tag:')) return anyMatches(f.values, tags[f.name.slice(4)]);
  if (f.name === 'tag-key') return Object.keys(tags).some((k) => anyMatches(f.values, k));
  if (f.name === 'tag-value') return Object.values(tags).some((v) => anyMatches(f.values, v));
  return undefined;
}

function unknownFilter(f: Filter): never {
  throw new AwsApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
}

function matchesInstance(i: Ec2Instance, f: Filter): boolean {
  const tagged = matchesTags(i.tags, f);
  if (tagged !== undefined) return tagged;
  switch (f.name) {
    case 'instance-id':
      return anyMatches(f.values, i.instanceId);
    case 'instance-state-name':
      return anyMatches(f.values, i.state);
    case 'instance-state-code':
      return anyMatches(f.values, String(EC2_STATE_CODES[i.state]));
    case 'private-ip-address':
      return anyMatches(f.values, i.privateIp);
    case 'private-dns-name':
      return anyMatches(f.values, i.privateDnsName);
    case 'image-id':
      return anyMatches(f.values, i.imageId);
    case 'availability-zone':
      return anyMatches(f.values, i.availabilityZone);
    case 'instance-type':
      return anyMatches(f.values, i.instanceType);
    default:
      return unknownFilter(f);
  }
}

function matchesImage(img: Ec2Image, f: Filter): boolean {
  const tagged = matchesTags(img.tags, f);
  if (tagged !== undefined) return tagged;
  switch (f.name) {
    case 'name':
      return anyMatches(f.values, img.name);
    case 'state':
      return anyMatches(f.values, img.state);
    case 'image-id':
      return anyMatches(f.values, img.imageId);
    case 'owner-id':
      return anyMatches(f.values, img.ownerId);
    case 'architecture':
      return anyMatches(f.values, img.architecture);
    default:
      return unknownFilter(f);
  }
}

/** LaunchTemplateData.* of a CreateLaunchTemplate(Version) request. */
function templateData(p: QueryNode): LaunchTemplateData {
  const data: LaunchTemplateData = {};
  const imageId = str(p, 'LaunchTemplateData', 'ImageId');
  const instanceType = str(p, 'LaunchTemplateData', 'InstanceType');
  const userData = str(p, 'LaunchTemplateData', 'UserData');
  if (imageId !== undefined) data.imageId = imageId;
  if (instanceType !== undefined) data.instanceType = instanceType;
  if (userData !== undefined) data.userData = userData;
  return data;
}

function tagSpecifications(p: QueryNode, resourceType: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const spec of list(p, 'TagSpecification')) {
    if (str(spec, 'ResourceType') !== resourceType) continue;
    for (const t of list(spec, 'Tag')) tags[str(t, 'Key') ?? ''] = str(t, 'Value') ?? '';
  }
  return tags;
}

function tagSet(tags: Record<string, string>): XmlValue {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function instanceXml(i: Ec2Instance): XmlValue {
  return {
    instanceId: i.instanceId,
    imageId: i.imageId,
    instanceState: { code: EC2_STATE_CODES[i.state], name: i.state },
    privateDnsName: i.state === 'terminated' ? '' : i.privateDnsName,
    dnsName: '',
    instanceType: i.instanceType,
    launchTime: new Date(i.launchTime),
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    privateIpAddress: i.state === 'terminated' ? undefined : i.privateIp,
    // An instance reports the one architecture its AMI runs on: the type's own (x86_64 for i386-capable types).
    architecture: (supportedArchitectures(i.instanceType) ?? ['x86_64']).at(-1),
    tagSet: tagSet(i.tags),
    ...(i.instanceLifecycle ? { instanceLifecycle: i.instanceLifecycle } : {}),
  };
}

function imageXml(img: Ec2Image): XmlValue {
  return {
    imageId: img.imageId,
    imageLocation: `${img.ownerId}/${img.name}`,
    imageState: img.state,
    imageOwnerId: img.ownerId,
    creationDate: new Date(img.creationDate),
    isPublic: false,
    architecture: img.architecture,
    imageType: 'machine',
    name: img.name,
    description: img.description,
    rootDeviceType: 'ebs',
    virtualizationType: 'hvm',
    tagSet: tagSet(img.tags),
  };
}

function templateXml(t: LaunchTemplate): XmlValue {
  return {
    launchTemplateId: t.id,
    launchTemplateName: t.name,
    createTime: new Date(t.createTime),
    createdBy: 'arn:aws:iam::000000000000:root',
    defaultVersionNumber: t.defaultVersion,
    latestVersionNumber: t.latestVersion,
    tagSet: tagSet(t.tags),
  };
}

function versionXml(t: LaunchTemplate, v: LaunchTemplateVersion): XmlValue {
  return {
    launchTemplateId: t.id,
    launchTemplateName: t.name,
    versionNumber: v.versionNumber,
    versionDescription: v.description,
    createTime: new Date(v.createTime),
    createdBy: 'arn:aws:iam::000000000000:root',
    defaultVersion: v.versionNumber === t.defaultVersion,
    launchTemplateData: { imageId: v.data.imageId, instanceType: v.data.instanceType, userData: v.data.userData },
  };
}
