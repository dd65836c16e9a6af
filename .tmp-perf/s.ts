import { DescribeInstances$ } from '@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js';
console.log(DescribeInstances$);
