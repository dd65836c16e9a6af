'use strict';

/**
 * Subscribers of the alerts topic from config (`alertSubscriptions`, a list of
 * `{protocol, endpoint}`): one AWS::SNS::Subscription each. CloudFormation
 * cannot loop over a list, hence a plugin. A protocol SNS does not know, or
 * an entry without an endpoint, fails the package naming the entry.
 */
const PROTOCOLS = ['email', 'email-json', 'https', 'http', 'sqs', 'lambda', 'sms', 'firehose', 'application'];

class AlertSubscriptionsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.add() };
  }

  add() {
    const config = this.serverless.service.custom?.config ?? {};
    const subscriptions = config.alertSubscriptions ?? [];
    if (!Array.isArray(subscriptions)) throw new Error('config alertSubscriptions: must be a list of {protocol, endpoint}');
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    subscriptions.forEach((s, i) => {
      const where = `config alertSubscriptions[${i}]`;
      if (!s || typeof s !== 'object') throw new Error(`${where}: must be {protocol, endpoint}`);
      if (!PROTOCOLS.includes(s.protocol)) throw new Error(`${where}: protocol ${JSON.stringify(s.protocol)} is not one of ${PROTOCOLS.join(', ')}`);
      if (typeof s.endpoint !== 'string' || s.endpoint.trim() === '') throw new Error(`${where}: endpoint must be the address, URL or ARN to deliver to`);
      resources[`AlertsSubscription${i + 1}`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'AlertsTopic' }, Protocol: s.protocol, Endpoint: s.endpoint.trim() },
      };
    });
  }
}

module.exports = AlertSubscriptionsPlugin;
