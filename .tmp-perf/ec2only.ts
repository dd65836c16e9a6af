import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
export const f = () => new EC2Client({}).send(new DescribeInstancesCommand({}));
