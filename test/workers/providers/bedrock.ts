/** Bedrock Runtime through @aws-sdk/client-bedrock-runtime (fake static credentials: SigV4 signs locally) and the AI SDK's Bedrock provider. */
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import type { ProviderRun, ProvidersEnv } from "../providers-app.js";
import { clean, collect, runAiSdk } from "./common.js";

const REGION = "us-east-1";

async function send(run: ProviderRun, env: ProvidersEnv): Promise<Record<string, any>> {
  const client = new BedrockRuntimeClient({
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN },
  });
  const converse = {
    modelId: run.model,
    messages: [{ role: "user" as const, content: [{ text: run.prompt }] }],
    system: run.system ? [{ text: run.system }] : undefined,
    ...run.params,
  };
  const invoke = { modelId: run.model, contentType: "application/json", accept: "application/json", body: JSON.stringify(run.body) };
  switch (run.via) {
    case "bedrock.converse":
      return client.send(new ConverseCommand(converse));
    case "bedrock.converseStream": {
      const { stream, ...out } = await client.send(new ConverseStreamCommand(converse));
      return { ...out, stream: await collect(stream!) };
    }
    case "bedrock.invoke":
      return client.send(new InvokeModelCommand(invoke));
    default: {
      const { body, ...out } = await client.send(new InvokeModelWithResponseStreamCommand(invoke));
      return { ...out, body: await collect(body!) };
    }
  }
}

export async function run(run: ProviderRun, env: ProvidersEnv): Promise<unknown> {
  if (run.via === "ai.bedrock") {
    const bedrock = createAmazonBedrock({
      region: REGION,
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
    });
    return runAiSdk(run, bedrock(run.model));
  }
  const { $metadata, ...rest } = await send(run, env);
  return clean({ ...rest, httpStatusCode: $metadata.httpStatusCode });
}
