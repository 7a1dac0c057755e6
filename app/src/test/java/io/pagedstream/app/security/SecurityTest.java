package io.pagedstream.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.app.security.ServiceAcls.Service;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.engine.EngineConfig;
import io.pagedstream.kafka.embedded.Credentials;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.kafka.embedded.SaslSecurity;
import io.pagedstream.processor.ProcessorConfig;
import io.pagedstream.processor.ProcessorService;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.schemas.Topics;
import io.pagedstream.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a broker that requires SASL/SCRAM-SHA-256 and checks ACLs, with a schema registry
 * that requires basic auth. Every service runs as its own user with only the ACLs of {@link
 * ServiceAcls}, configured through nothing but its {@code --kafka-config} file. The test then shows
 * that clients without credentials, with a wrong password or without ACLs are refused (and that the
 * commands say so in one line instead of hanging), and that no password, JAAS configuration or
 * registry credential reaches any output.
 */
class SecurityTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final Credentials ADMIN = Credentials.of("admin", "admin-Pw-3f9a");
  private static final Credentials INGEST = Credentials.of("ingest", "ingest-Pw-71c2");
  private static final Credentials BATCHER = Credentials.of("batcher", "batcher-Pw-0d8e");

  /** Has the batcher's ACLs but not the jobs aggregation's, which the batcher command also runs. */
  private static final Credentials LONE_BATCHER = Credentials.of("lone-batcher", "lone-Pw-5b61");

  private static final Credentials PROCESSOR = Credentials.of("processor", "processor-Pw-9e4f");
  private static final Credentials READER = Credentials.of("reader", "reader-Pw-2a7d");

  /**
   * May read the response cache, so the batcher's global store loads and its stream thread starts,
   * only to be refused the requests topic and group: once a loop of thread replacements.
   */
  private static final Credentials HALF_BATCHER = Credentials.of("half-batcher", "half-Pw-81d0");

  /** Authenticates, but holds no ACL. */
  private static final Credentials STRANGER = Credentials.of("stranger", "stranger-Pw-6c30");

  private static final String REGISTRY_USER = "registry-user";
  private static final String REGISTRY_PASSWORD = "registry-Pw-8d15";
  private static final String SCRAM_MODULE =
      "org.apache.kafka.common.security.scram.ScramLoginModule";
  private static final int REQUESTS = 24;

  /** Refused clients give up after this instead of Kafka's default minute. */
  private static final String SHORT_TIMEOUTS =
      "request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n"
          + "max.block.ms=8000\ndelivery.timeout.ms=10000\n";

  private static final Duration COMMAND_BOUND = Duration.ofMinutes(2);

  @TempDir static Path dir;
  private static DevCluster broker;
  private static BasicAuthRegistry registry;

  @BeforeAll
  static void securedBrokerWithTopicsAndAcls() throws Exception {
    // the broker and the topics, made as the super user; the services run as their own users in the
    // test
    broker =
        DevCluster.builder()
            .partitions(2)
            .clientSettings(KafkaSettings::of)
            .embeddedBroker(
                EmbeddedKafka.builder()
                    .security(
                        SaslSecurity.scramSha256(
                            ADMIN,
                            INGEST,
                            BATCHER,
                            LONE_BATCHER,
                            HALF_BATCHER,
                            PROCESSOR,
                            READER,
                            STRANGER)))
            .start();
    registry = BasicAuthRegistry.start(REGISTRY_USER, REGISTRY_PASSWORD);
    // an operator grants the ACLs, as the super user
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(ServiceAcls.of(Service.INGEST, INGEST.principal()));
    // the batcher command runs the jobs aggregation too
    acls.addAll(ServiceAcls.of(Service.BATCHER, BATCHER.principal()));
    acls.addAll(ServiceAcls.of(Service.JOBS, BATCHER.principal()));
    acls.addAll(ServiceAcls.of(Service.BATCHER, LONE_BATCHER.principal()));
    acls.addAll(ServiceAcls.of(Service.PROCESSOR, PROCESSOR.principal()));
    acls.add(
        new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, Topics.RESPONSE_CACHE, PatternType.LITERAL),
            new AccessControlEntry(
                HALF_BATCHER.principal(), "*", AclOperation.READ, AclPermissionType.ALLOW)));
    acls.addAll(ServiceAcls.of(Service.RESULTS_READER, READER.principal()));
    try (Admin admin = Admin.create(broker.kafka().asMap())) {
      admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void thePipelineRunsWithEachServicesOwnCredentialsAndNothingPrintsASecret() throws Exception {
    Path input = dir.resolve("secured-job.jsonl");
    List<String> ids = SecuredPipelineRun.writeRequests(input, REQUESTS, "s", 7);
    String job = "secured-" + UUID.randomUUID();
    int refusedBefore = registry.refused();
    Path reader = clientFile("reader", READER, "");
    SecuredPipelineRun.Result run =
        SecuredPipelineRun.run(
            dir,
            MODEL,
            "secured-0",
            new SecuredPipelineRun.ClientFiles(
                clientFile("batcher", BATCHER, ""),
                clientFile("processor", PROCESSOR, "session.timeout.ms=10000\n"),
                clientFile("ingest", INGEST, ""),
                reader),
            input,
            ids,
            job,
            () -> awaitJobStatus(job, reader));
    CompletionCollector.Outcome outcome = run.outcome();
    String status = run.whileRunning();
    ChildJvm.Result ingest = run.ingest();
    ChildJvm.Result batcherRun = run.batcher();
    String inProcessOutput = run.inProcessOutput();

    assertThat(outcome.missing())
        .as("requests without a result; output:\n%s", inProcessOutput)
        .isEmpty();
    assertThat(outcome.errors()).isZero();
    assertThat(outcome.duplicates()).isZero();
    assertThat(status).startsWith("exit 0").contains("\"completed\":" + REQUESTS, "\"failed\":0");

    // Kafka prints each client's configuration with the JAAS line masked ...
    assertThat(ingest.output())
        .contains("ProducerConfig values", "AdminClientConfig values", "ConsumerConfig values")
        .contains("sasl.jaas.config = [hidden]");
    assertThat(batcherRun.output())
        .contains("StreamsConfig values", "ProducerConfig values", "ConsumerConfig values")
        .contains("sasl.jaas.config = [hidden]");
    // ... and the batcher logs its own settings through KafkaSettings.redacted()
    assertThat(batcherRun.output())
        .contains("sasl.jaas.config=[hidden]", "basic.auth.user.info=[hidden]");
    for (String output : List.of(ingest.output(), batcherRun.output(), inProcessOutput)) {
      assertNoSecretIn(output);
    }
    assertThat(registry.refused())
        .as("registry requests without the right credentials")
        .isEqualTo(refusedBefore);
  }

  @Test
  void aWrongPasswordIsRefusedWithSaslAuthenticationException() throws Exception {
    KafkaSettings impostor =
        KafkaSettings.of(
            null,
            clientFile("impostor", Credentials.of("processor", "guessed-Pw-1"), SHORT_TIMEOUTS));
    try (KafkaProducer<String, String> producer = producer(impostor)) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(Topics.COMPLETIONS, "k", "v"))
                      .get(30, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }
    try (KafkaConsumer<String, String> consumer =
        consumer(impostor, ProcessorConfig.DEFAULT_GROUP)) {
      consumer.subscribe(List.of(Topics.BATCHES));
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(20)))
          .isInstanceOf(SaslAuthenticationException.class);
    }
    // a user that does not exist looks the same to the client
    KafkaSettings unknown =
        KafkaSettings.of(
            null, clientFile("unknown", Credentials.of("mallory", "mallory-Pw-1"), SHORT_TIMEOUTS));
    try (Admin admin = Admin.create(unknown.asMap())) {
      assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  void aClientWithoutCredentialsGetsNoAnswerAndTimesOut() throws Exception {
    // SASL_PLAINTEXT listener, PLAINTEXT client: the handshake never completes, Kafka only times
    // out
    Path anonymous = dir.resolve("anonymous.properties");
    Files.writeString(
        anonymous,
        "bootstrap.servers="
            + broker.bootstrapServers()
            + "\n"
            + "schema.registry.url="
            + registry.url()
            + "\n"
            + SHORT_TIMEOUTS);
    try (Admin admin = Admin.create(KafkaSettings.of(null, anonymous).asMap())) {
      assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TimeoutException.class);
    }
    try (KafkaProducer<String, String> producer = producer(KafkaSettings.of(null, anonymous))) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(Topics.REQUESTS, "k", "v"))
                      .get(30, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(TimeoutException.class);
    }
  }

  @Test
  void anAuthenticatedUserWithoutAclsIsNotAuthorized() throws Exception {
    KafkaSettings stranger =
        KafkaSettings.of(null, clientFile("stranger", STRANGER, SHORT_TIMEOUTS));
    try (KafkaProducer<String, String> producer = producer(stranger)) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(Topics.REQUESTS, "k", "v"))
                      .get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
    try (KafkaConsumer<String, String> consumer =
        consumer(stranger, ProcessorConfig.DEFAULT_GROUP)) {
      consumer.subscribe(List.of(Topics.BATCHES));
      assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(20)))
          .isInstanceOfAny(GroupAuthorizationException.class, TopicAuthorizationException.class);
    }
    // a processor as this user: its transactional id is refused before it reads anything
    ProcessorService service =
        ProcessorService.start(
            ProcessorConfig.defaults(MODEL, EngineConfig.defaults(64), "stranger-0"), stranger);
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (service.isRunning() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(service.isRunning()).isFalse();
      assertThat(service.failure()).isInstanceOf(TransactionalIdAuthorizationException.class);
    } finally {
      service.close();
    }
  }

  @Test
  void servicesWithoutAccessEndWithOneLineErrorsThatHoldNoSecret() throws Exception {
    List<CommandRun.Result> results = new ArrayList<>();
    try (CapturedOutput captured = CapturedOutput.start()) {
      Path input = dir.resolve("refused.jsonl");
      SecuredPipelineRun.writeRequests(input, 2, "s", 7);
      String wrong =
          clientFile("wrong-pw", Credentials.of("ingest", "guessed-Pw-2"), SHORT_TIMEOUTS)
              .toString();
      String none = clientFile("no-acls", STRANGER, SHORT_TIMEOUTS).toString();
      Path anonymous = dir.resolve("anonymous-ingest.properties");
      Files.writeString(
          anonymous,
          "bootstrap.servers="
              + broker.bootstrapServers()
              + "\n"
              + "schema.registry.url="
              + registry.url()
              + "\n"
              + SHORT_TIMEOUTS);
      Path badRegistry = dir.resolve("bad-registry.properties");
      Files.writeString(
          badRegistry,
          Files.readString(clientFile("ingest", INGEST, SHORT_TIMEOUTS))
              .replace(
                  "basic.auth.user.info=" + REGISTRY_USER + ":" + REGISTRY_PASSWORD,
                  "basic.auth.user.info=" + REGISTRY_USER + ":guessed-Pw-3"));

      CommandRun.Result wrongPassword =
          CommandRun.finish(
              COMMAND_BOUND, "ingest", "--kafka-config", wrong, "--input", input.toString());
      CommandRun.Result noAcls =
          CommandRun.finish(
              COMMAND_BOUND, "ingest", "--kafka-config", none, "--input", input.toString());
      CommandRun.Result noCredentials =
          CommandRun.finish(
              COMMAND_BOUND,
              "ingest",
              "--kafka-config",
              anonymous.toString(),
              "--input",
              input.toString());
      CommandRun.Result registryRefused =
          CommandRun.finish(
              COMMAND_BOUND,
              "ingest",
              "--kafka-config",
              badRegistry.toString(),
              "--input",
              input.toString());
      CommandRun.Result processor =
          CommandRun.finish(
              COMMAND_BOUND,
              "processor",
              "--model",
              MODEL.toString(),
              "--instance-id",
              "refused-0",
              "--kafka-config",
              none,
              "--kv-blocks",
              "64");
      CommandRun.Result anonymousProcessor =
          CommandRun.finish(
              COMMAND_BOUND,
              "processor",
              "--model",
              MODEL.toString(),
              "--instance-id",
              "refused-1",
              "--kafka-config",
              anonymous.toString(),
              "--kv-blocks",
              "64");
      CommandRun.Result batcher =
          CommandRun.finish(
              COMMAND_BOUND,
              "batcher",
              "--model",
              MODEL.toString(),
              "--kafka-config",
              none,
              "--kv-blocks",
              "64");
      CommandRun.Result batcherWrongPassword =
          CommandRun.finish(
              COMMAND_BOUND,
              "batcher",
              "--model",
              MODEL.toString(),
              "--kafka-config",
              wrong,
              "--kv-blocks",
              "64");
      CommandRun.Result batcherWithoutJobsAcls =
          CommandRun.finish(
              COMMAND_BOUND,
              "batcher",
              "--model",
              MODEL.toString(),
              "--kafka-config",
              clientFile("lone-batcher", LONE_BATCHER, SHORT_TIMEOUTS).toString(),
              "--kv-blocks",
              "64");
      CommandRun.Result batcherRefusedItsInput =
          CommandRun.finish(
              COMMAND_BOUND,
              "batcher",
              "--model",
              MODEL.toString(),
              "--kafka-config",
              clientFile("half-batcher", HALF_BATCHER, SHORT_TIMEOUTS).toString(),
              "--kv-blocks",
              "64",
              "--no-jobs");
      results.addAll(
          List.of(
              wrongPassword,
              noAcls,
              noCredentials,
              registryRefused,
              processor,
              anonymousProcessor,
              batcher,
              batcherWrongPassword,
              batcherWithoutJobsAcls,
              batcherRefusedItsInput));

      assertThat(wrongPassword.errorLines()).contains("Authentication failed");
      assertThat(noAcls.errorLines()).containsIgnoringCase("authoriz");
      assertThat(noCredentials.errorLines()).containsIgnoringCase("time");
      assertThat(registryRefused.errorLines()).contains("401").contains("basic.auth.user.info");
      assertThat(processor.errorLines())
          .contains("processor stopped", "Transactional Id authorization failed");
      assertThat(anonymousProcessor.errorLines())
          .contains("processor stopped")
          .containsIgnoringCase("time");
      assertThat(batcher.errorLines()).contains("Not authorized to access topics");
      assertThat(batcherWrongPassword.errorLines()).contains("Authentication failed");
      assertThat(batcherWithoutJobsAcls.errorLines())
          .contains("the jobs aggregation stopped", "Not authorized", "--no-jobs");
      // a stream thread refused access stops the batcher instead of being replaced forever
      assertThat(batcherRefusedItsInput.errorLines()).contains("batcher stopped", "Not authorized");
      for (CommandRun.Result r : results) {
        System.out.print("refused as expected: " + r.errorLines());
        assertThat(r.exitCode())
            .as("exit code (null: still running after %s); stderr:\n%s", COMMAND_BOUND, r.err())
            .isEqualTo(1);
        assertThat(r.errorLines().lines()).as(r.err()).hasSize(1);
      }
      for (CommandRun.Result r : results) {
        assertNoSecretIn(r.out() + r.err());
      }
      assertNoSecretIn(captured.text());
    }
  }

  @Test
  void redactedSettingsHideEveryCredential() throws Exception {
    Path file =
        clientFile(
            "redacted",
            INGEST,
            "ssl.truststore.password=trust-Pw-44\nssl.key.password=key-Pw-45\n"
                + "schema.registry.ssl.truststore.password=registry-trust-Pw-46\n");
    Map<String, Object> redacted = KafkaSettings.of(null, file).redacted();
    assertThat(redacted)
        .containsEntry("sasl.jaas.config", "[hidden]")
        .containsEntry("basic.auth.user.info", "[hidden]")
        .containsEntry("ssl.truststore.password", "[hidden]")
        .containsEntry("ssl.key.password", "[hidden]")
        .containsEntry("schema.registry.ssl.truststore.password", "[hidden]")
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("bootstrap.servers", broker.bootstrapServers());
    assertThat(redacted.toString())
        .doesNotContain(INGEST.password(), REGISTRY_PASSWORD, "Pw-4", SCRAM_MODULE);
  }

  /** Every password of the test, the JAAS module line, and the registry's Authorization header. */
  private static void assertNoSecretIn(String output) {
    List<String> secrets = new ArrayList<>();
    for (Credentials c :
        List.of(ADMIN, INGEST, BATCHER, LONE_BATCHER, HALF_BATCHER, PROCESSOR, READER, STRANGER)) {
      secrets.add(c.password());
    }
    secrets.addAll(
        List.of(
            "guessed-Pw",
            "mallory-Pw",
            REGISTRY_PASSWORD,
            SCRAM_MODULE,
            Base64.getEncoder()
                .encodeToString(
                    (REGISTRY_USER + ":" + REGISTRY_PASSWORD).getBytes(StandardCharsets.UTF_8))));
    for (String secret : secrets) {
      assertThat(output).as("output holds a secret").doesNotContain(secret);
    }
  }

  /** A --kafka-config file for {@code user}, as an operator would hand it to one service. */
  private static Path clientFile(String name, Credentials user, String extra) throws IOException {
    Path file = dir.resolve(name + ".properties");
    Files.writeString(
        file,
        "bootstrap.servers="
            + broker.bootstrapServers()
            + "\n"
            + "security.protocol=SASL_PLAINTEXT\n"
            + "sasl.mechanism=SCRAM-SHA-256\n"
            + "sasl.jaas.config="
            + SCRAM_MODULE
            + " required username=\""
            + user.username()
            + "\" password=\""
            + user.password()
            + "\";\n"
            + "schema.registry.url="
            + registry.url()
            + "\n"
            + "basic.auth.credentials.source=USER_INFO\n"
            + "basic.auth.user.info="
            + REGISTRY_USER
            + ":"
            + REGISTRY_PASSWORD
            + "\n"
            + extra);
    return file;
  }

  /**
   * The status command until the jobs aggregation has counted every request; returns what it
   * printed (on System.out, hence the capture).
   */
  private static String awaitJobStatus(String job, Path readerFile) throws InterruptedException {
    String last = "";
    for (int i = 0; i < 60; i++) {
      try (CapturedOutput printed = CapturedOutput.start()) {
        CommandRun.Result r =
            CommandRun.finish(
                COMMAND_BOUND,
                "status",
                "--job",
                job,
                "--json",
                "--kafka-config",
                readerFile.toString());
        last = "exit " + r.exitCode() + ": " + r.err() + printed.text();
      }
      if (last.contains("\"completed\":" + REQUESTS)) {
        return last;
      }
      Thread.sleep(1000);
    }
    return last;
  }

  private static KafkaProducer<String, String> producer(KafkaSettings kafka) {
    return new KafkaProducer<>(
        kafka.with(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "security-test")),
        new StringSerializer(),
        new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(KafkaSettings kafka, String group) {
    return new KafkaConsumer<>(
        kafka.with(
            Map.of(
                ConsumerConfig.GROUP_ID_CONFIG,
                group,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "security-test")),
        new StringDeserializer(),
        new StringDeserializer());
  }
}
