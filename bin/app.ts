// The ready Bounce Guard app: the only place that reads CDK context and the environment.
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { BounceGuardStack } from "../lib/bounce-guard-stack.ts";
import { InvalidPropsError } from "../lib/errors.ts";
import { appConfigFromContext, checkContextKeys, InvalidContextError } from "./app-config.ts";

const app = new App();
try {
  checkContextKeys(Object.keys(app.node.getAllContext()));
  const config = appConfigFromContext((key) => app.node.tryGetContext(key));
  new BounceGuardStack(app, "BounceGuard", {
    ...config,
    description: "Bounce Guard: SES bounce and complaint feedback to a DynamoDB suppression list",
    // Account and region of the CLI's credentials when there are any; environment-agnostic otherwise.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (error instanceof InvalidContextError || error instanceof InvalidPropsError) {
    console.error(`bounce-guard: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// Every synth runs both packs; an unacknowledged finding fails it. Acknowledgements live next to the
// resources they concern, each with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
