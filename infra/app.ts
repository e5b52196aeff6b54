// The CDK app run by `npx cdk synth` / `cdk deploy` (see cdk.json). The CLI passes cdk.json's
// context (feature flags) to the App; tests and the local runtime build the same app with
// `buildApp()` from ./fireplan-stack.ts.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FIREPLAN_STACK_NAME, FireplanStack } from './fireplan-stack.ts';

const app = new App();
new FireplanStack(app, FIREPLAN_STACK_NAME);
// cdk-nag 3 is a policy-validation plugin: an unacknowledged error fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
