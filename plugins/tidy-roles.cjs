'use strict';

/**
 * Tidies the roles the plugins leave in the template (runs after
 * serverless-iam-roles-per-function: listed after it in serverless.yml):
 * - the framework's shared IamRoleLambdaExecution role, once no function uses
 *   it (every function has its own role): an unused role is attack surface;
 * - a DependsOn on a role that the resource's own `Fn::GetAtt` of that role
 *   already implies (functions and state machines; cfn-lint W3005).
 */
class TidyRolesPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.tidy() };
  }

  tidy() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    for (const resource of Object.values(resources)) {
      if (!Array.isArray(resource.DependsOn)) continue;
      const roleRef = resource.Properties?.Role ?? resource.Properties?.RoleArn;
      const role = roleRef?.['Fn::GetAtt']?.[0];
      if (role) resource.DependsOn = resource.DependsOn.filter((id) => id !== role);
    }
    const shared = 'IamRoleLambdaExecution';
    const used = Object.entries(resources).some(([id, r]) => id !== shared && JSON.stringify(r).includes(`"${shared}"`));
    if (!used) delete resources[shared];
  }
}

module.exports = TidyRolesPlugin;
