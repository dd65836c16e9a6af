import { AwsApiError } from './errors.js';

/**
 * EC2 resource ids: a prefix and 8 or 17 lowercase hex digits. An id of the
 * wrong shape is `*.Malformed`, never `*.NotFound` (EC2 API error codes).
 */
const ID_SHAPE: Record<string, { prefix: string; code: string }> = {
  instance: { prefix: 'i', code: 'InvalidInstanceID.Malformed' },
  image: { prefix: 'ami', code: 'InvalidAMIID.Malformed' },
  'launch-template': { prefix: 'lt', code: 'InvalidLaunchTemplateId.Malformed' },
};

/** @throws AwsApiError `*.Malformed` when `id` is not a well-formed id of that kind. */
export function checkIdShape(kind: keyof typeof ID_SHAPE, id: string): void {
  const shape = ID_SHAPE[kind];
  if (!shape) return;
  if (!new RegExp(`^${shape.prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id)) {
    throw new AwsApiError(
      shape.code,
      kind === 'launch-template'
        ? `The specified ID for the launch template (${id}) is not valid. Specify a valid launch template ID and try again.`
        : `Invalid id: "${id}" (expecting "${shape.prefix}-...")`,
    );
  }
}

/**
 * AWS tag keys and values are XML strings: `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`
 * (the constraint the Auto Scaling API reference states for `Tag.Value`);
 * a control character could not even be returned in an XML answer.
 */
const XML_STRING = /^[\u0020-\uD7FF\uE000-\uFFFD\uD800-\uDBFF\uDC00-\uDFFF\r\n\t]*$/;
export const TAG_VALUE_PATTERN = '[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*';

export function isXmlString(value: string): boolean {
  return XML_STRING.test(value);
}

/** A value with the characters XML cannot carry shown as `\uXXXX`, for error messages. */
export function printable(value: string): string {
  return [...value].map((c) => (isXmlString(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('');
}
