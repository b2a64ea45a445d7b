package dev.whodrove.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
  @TempDir Path dir;

  @Test
  void environmentMapsToDottedKeysAndKafkaKeysPassThrough() {
    ServiceConfig cfg = ServiceConfig.load(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "k1:9092",
        "WHODROVE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "WHODROVE_SCHEMA_REGISTRY_URL", "http://sr:8081",
        "PATH", "/usr/bin"), Map.of());
    assertThat(cfg.kafkaClientProperties())
        .containsEntry("bootstrap.servers", "k1:9092")
        .containsEntry("security.protocol", "SASL_SSL")
        .doesNotContainKey("schema.registry.url")
        .doesNotContainKey("path");
    assertThat(cfg.serdeProperties()).containsExactlyEntriesOf(Map.of("schema.registry.url", "http://sr:8081"));
  }

  @Test
  void precedenceIsFileThenEnvironmentThenOverrides() throws Exception {
    Path file = dir.resolve("svc.properties");
    Files.writeString(file, "http.port=1\nbatch.size=10\nkafka.bootstrap.servers=file:9092\n");
    ServiceConfig cfg = ServiceConfig.load(
        Map.of("WHODROVE_CONFIG_FILE", file.toString(), "WHODROVE_HTTP_PORT", "2"), Map.of("batch.size", "30"));
    assertThat(cfg.getInt("http.port", 0)).isEqualTo(2);
    assertThat(cfg.getInt("batch.size", 0)).isEqualTo(30);
    assertThat(cfg.require("kafka.bootstrap.servers")).isEqualTo("file:9092");
  }

  @Test
  void missingAndInvalidValuesFailWithOneLineNamingKeyAndVariable() {
    ServiceConfig cfg = ServiceConfig.of(Map.of("http.port", "abc", "wait", "ten minutes"));
    assertThatThrownBy(cfg::kafkaClientProperties).isInstanceOf(ConfigException.class)
        .hasMessage("missing required config kafka.bootstrap.servers (set WHODROVE_KAFKA_BOOTSTRAP_SERVERS)");
    assertThatThrownBy(() -> cfg.getInt("http.port", 0)).hasMessageContaining("WHODROVE_HTTP_PORT")
        .hasMessageContaining("expected an integer");
    assertThatThrownBy(() -> cfg.getDuration("wait", Duration.ZERO)).hasMessageContaining("expected a duration");
    assertThatThrownBy(() -> ServiceConfig.load(Map.of("WHODROVE_CONFIG_FILE", dir.resolve("nope").toString()),
        Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
  }

  @Test
  void durationsAcceptUnitsAndIso() {
    assertThat(ServiceConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ServiceConfig.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(ServiceConfig.parseDuration("PT2H")).isEqualTo(Duration.ofHours(2));
    assertThat(ServiceConfig.keyToEnv("sink.db.path")).isEqualTo("WHODROVE_SINK_DB_PATH");
  }

  @Test
  void oldSpellingsMoveToTheirNewKeysWithOneWarningEach() {
    Map<String, String> renamed = Map.of(
        "store.", "decoder.store.",
        "store.retry.", "decoder.retry.",
        "kafka.group.id", "decoder.group.id",
        "print.payload", "decoder.print.payload");
    ServiceConfig cfg = ServiceConfig.load(Map.of(
        "WHODROVE_STORE_FILE_ROOTS", "/records",
        "WHODROVE_STORE_RETRY_MAX", "2m",
        "WHODROVE_KAFKA_GROUP_ID", "decoders",
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "k:9092",
        "WHODROVE_PRINT_PAYLOAD", "raw",
        "WHODROVE_DECODER_PRINT_PAYLOAD", "derived"), Map.of());
    List<String> warnings = new ArrayList<>();
    ServiceConfig renamedCfg = cfg.withRenamedKeys("recording-decoder", renamed, warnings::add);

    assertThat(renamedCfg.asMap())
        .containsEntry("decoder.store.file.roots", "/records")
        .containsEntry("decoder.retry.max", "2m") // the longer prefix wins
        .containsEntry("decoder.group.id", "decoders")
        .containsEntry("decoder.print.payload", "derived") // the new key wins when both are set
        .containsEntry("kafka.bootstrap.servers", "k:9092")
        .doesNotContainKeys("store.file.roots", "store.retry.max", "kafka.group.id", "print.payload");
    assertThat(renamedCfg.kafkaClientProperties()).doesNotContainKey("group.id");
    assertThat(warnings).containsExactly(
        "recording-decoder: config key kafka.group.id (WHODROVE_KAFKA_GROUP_ID) is deprecated, use decoder.group.id"
            + " (WHODROVE_DECODER_GROUP_ID); the old spelling is accepted until the next release",
        "recording-decoder: config key print.payload is deprecated and ignored: decoder.print.payload"
            + " (WHODROVE_DECODER_PRINT_PAYLOAD) is set too",
        "recording-decoder: config key store.file.roots (WHODROVE_STORE_FILE_ROOTS) is deprecated, use"
            + " decoder.store.file.roots (WHODROVE_DECODER_STORE_FILE_ROOTS); the old spelling is accepted until the"
            + " next release",
        "recording-decoder: config key store.retry.max (WHODROVE_STORE_RETRY_MAX) is deprecated, use"
            + " decoder.retry.max (WHODROVE_DECODER_RETRY_MAX); the old spelling is accepted until the next release");

    // applying the table again (a config already read) changes nothing and warns no more
    warnings.clear();
    assertThat(renamedCfg.withRenamedKeys("recording-decoder", renamed, warnings::add)).isSameAs(renamedCfg);
    assertThat(warnings).isEmpty();
  }

  @Test
  void aFactorysRenameTableIsAppliedWhenItsContextIsCreated() {
    ServiceFactory factory = new ServiceFactory() {
      @Override
      public String name() {
        return "svc";
      }

      @Override
      public int defaultHttpPort() {
        return -1;
      }

      @Override
      public Map<String, String> renamedKeys() {
        return Map.of("old.key", "svc.new.key");
      }

      @Override
      public ManagedService create(ServiceContext ctx) {
        throw new UnsupportedOperationException();
      }
    };
    ServiceContext ctx = ServiceContext.create(factory, ServiceConfig.of(Map.of("old.key", "v", "state.dir", "/s")));
    assertThat(ctx.serviceName()).isEqualTo("svc");
    assertThat(ctx.config().asMap()).containsOnly(Map.entry("svc.new.key", "v"), Map.entry("state.dir", "/s"));
    ctx.metrics().close();
  }

  @Test
  void sharedKeysAreTheRuntimesOwn() {
    assertThat(List.of("kafka.max.poll.records", "schema.registry.url", "http.port", "topics.partitions",
        "shutdown.timeout", "application.id", "state.dir", "config.file")).allMatch(ServiceConfig::isSharedKey);
    assertThat(List.of("featurizer.recording.wait", "decoder.store.file.roots", "sink.db.path", "state.dir.x"))
        .noneMatch(ServiceConfig::isSharedKey);
  }

  @Test
  void secretsAreReadFromFilesNamedByTheirFileKey() throws Exception {
    Path jaas = dir.resolve("jaas");
    Files.writeString(jaas, "org.apache.kafka.common.security.plain.PlainLoginModule required\n"
        + "  username=\"svc\" password=\"p\";\n");
    Path apiKey = dir.resolve("api-key");
    Files.writeString(apiKey, "sk-123\r\n");
    Path token = dir.resolve("token");
    Files.writeString(token, "t0ken\n\n");
    Path userInfo = dir.resolve("user-info");
    Files.writeString(userInfo, "u:p");
    ServiceConfig cfg = ServiceConfig.load(Map.of(
        "WHODROVE_KAFKA_BOOTSTRAP_SERVERS", "k:9092",
        "WHODROVE_KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString(),
        "WHODROVE_LLM_API_KEY_FILE", apiKey.toString(),
        "WHODROVE_SCHEMA_REGISTRY_URL", "http://sr",
        "WHODROVE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE", userInfo.toString()),
        Map.of("gcp.push.token.file", token.toString(), "decoder.store.s3.secret.key.file", apiKey.toString()));
    // one trailing newline dropped, the rest kept as written
    assertThat(cfg.kafkaClientProperties())
        .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required\n"
            + "  username=\"svc\" password=\"p\";")
        .doesNotContainKey("sasl.jaas.config.file");
    assertThat(cfg.get("llm.api.key", null)).isEqualTo("sk-123");
    assertThat(cfg.get("gcp.push.token", null)).isEqualTo("t0ken\n");
    assertThat(cfg.get("decoder.store.s3.secret.key", null)).isEqualTo("sk-123");
    assertThat(cfg.serdeProperties()).containsEntry("basic.auth.user.info", "u:p");
    assertThat(cfg.has("llm.api.key.file")).isFalse();
    // keys that name files for other reasons stay as they are
    ServiceConfig paths = ServiceConfig.of(Map.of("gcp.pubsub.credentials.file", "/creds.json",
        "gcp.archive.state.file", "/state"));
    assertThat(paths.asMap()).containsOnly(Map.entry("gcp.pubsub.credentials.file", "/creds.json"),
        Map.entry("gcp.archive.state.file", "/state"));
  }

  @Test
  void secretFileErrorsNameTheKeyButNeverTheValue() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "do-not-print\n");
    assertThatThrownBy(() -> ServiceConfig.of(Map.of("llm.api.key", "do-not-print",
        "llm.api.key.file", token.toString()))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("llm.api.key").hasMessageContaining("WHODROVE_LLM_API_KEY_FILE")
        .hasMessageNotContaining("do-not-print");
    assertThatThrownBy(() -> ServiceConfig.of(Map.of("gcp.push.token.file", dir.resolve("missing").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WHODROVE_GCP_PUSH_TOKEN_FILE");
    assertThatThrownBy(() -> ServiceConfig.of(Map.of("gcp.push.token.file", dir.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not a readable file");
  }

  @Test
  void secretKeysAreRecognisedBySuffix() {
    assertThat(List.of("kafka.sasl.jaas.config", "kafka.ssl.keystore.password", "schema.registry.basic.auth.user.info",
        "llm.api.key", "gcp.push.token", "teleport.http.intake.token", "decoder.store.s3.access.key",
        "decoder.store.s3.secret.key", "teleport.aws.secret.access.key", "llm.store.s3.secret.key"))
        .allMatch(ServiceConfig::isSecretKey);
    assertThat(List.of("gcp.pubsub.credentials", "config", "gcp.push.audience", "kafka.bootstrap.servers",
        "tokenizer", "llm.api.keys")).noneMatch(ServiceConfig::isSecretKey);
  }
}
