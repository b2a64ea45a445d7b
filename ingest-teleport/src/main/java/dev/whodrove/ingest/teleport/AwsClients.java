package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ServiceConfig;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the AWS clients from config: region, optional endpoint override (ElasticMQ, LocalStack, a VPC endpoint),
 * static keys when given, else the SDK's default credential chain (env, profile, instance/IRSA role).
 */
final class AwsClients {
  static final String REGION = "teleport.aws.region";
  static final String ACCESS_KEY_ID = "teleport.aws.access.key.id";
  static final String SECRET_ACCESS_KEY = "teleport.aws.secret.access.key";
  static final String SQS_ENDPOINT = "teleport.sqs.endpoint";
  static final String ATHENA_ENDPOINT = "teleport.athena.endpoint";

  private AwsClients() {}

  static SqsClient sqs(ServiceConfig cfg) {
    var b = SqsClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
        .credentialsProvider(credentials(cfg));
    if (cfg.has(REGION)) {
      b.region(Region.of(cfg.get(REGION, "")));
    }
    if (cfg.has(SQS_ENDPOINT)) {
      b.endpointOverride(URI.create(cfg.get(SQS_ENDPOINT, "")));
    }
    return b.build();
  }

  static AthenaClient athena(ServiceConfig cfg) {
    var b = AthenaClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
        .credentialsProvider(credentials(cfg));
    if (cfg.has(REGION)) {
      b.region(Region.of(cfg.get(REGION, "")));
    }
    if (cfg.has(ATHENA_ENDPOINT)) {
      b.endpointOverride(URI.create(cfg.get(ATHENA_ENDPOINT, "")));
    }
    return b.build();
  }

  private static AwsCredentialsProvider credentials(ServiceConfig cfg) {
    if (cfg.has(ACCESS_KEY_ID)) {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(cfg.get(ACCESS_KEY_ID, ""),
          cfg.require(SECRET_ACCESS_KEY)));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
