package io.pagedstream.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.app.run.CompletionCollector;
import io.pagedstream.app.security.ServiceAcls.Service;
import io.pagedstream.devcluster.DevCluster;
import io.pagedstream.kafka.embedded.EmbeddedKafka;
import io.pagedstream.kafka.embedded.TlsSecurity;
import io.pagedstream.schemas.KafkaSettings;
import io.pagedstream.testing.SharedData;
import io.pagedstream.testing.TestCertificates;
import io.pagedstream.testing.TestCertificates.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a broker that speaks only TLS and requires client certificates (mutual TLS):
 * ingest, the batcher and a processor each present a certificate of their own, issued at test time
 * by a CA made for the run, through nothing but their {@code --kafka-config} file; the
 * certificate's CN is the principal that {@link ServiceAcls} grants to. A client without a
 * certificate, or with one of a CA the broker does not trust, is refused with a one-line error; no
 * store password reaches any output.
 */
class MutualTlsTest {

  private static final Path MODEL = SharedData.model("stories260K");
  private static final int REQUESTS = 16;
  private static final String REGISTRY_USER = "registry-user";
  private static final String REGISTRY_PASSWORD = "registry-Pw-tls-1";

  /** Refused clients give up after this instead of Kafka's default minute. */
  private static final String SHORT_TIMEOUTS =
      "request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n"
          + "max.block.ms=8000\ndelivery.timeout.ms=10000\n";

  private static final Duration COMMAND_BOUND = Duration.ofMinutes(2);

  @TempDir static Path dir;
  private static DevCluster broker;
  private static BasicAuthRegistry registry;
  private static Store trust;
  private static final List<Store> STORES = new ArrayList<>();
  private static TestCertificates ca;
  private static Store strangerCert;

  @BeforeAll
  static void brokerRequiringClientCertificates() throws Exception {
    ca = TestCertificates.authority(dir.resolve("ca"), "pagedstream-test-ca");
    trust = ca.trustStore();
    Store brokerCert = ca.issue("broker", true);
    Store adminCert = ca.issue("admin", false);
    strangerCert =
        TestCertificates.authority(dir.resolve("other-ca"), "someone-elses-ca")
            .issue("ingest", false);
    STORES.addAll(List.of(trust, brokerCert, adminCert, strangerCert));
    // the broker and the topics; the services run as their own users in the test
    broker =
        DevCluster.builder()
            .partitions(2)
            .clientSettings(KafkaSettings::of)
            .embeddedBroker(
                EmbeddedKafka.builder()
                    .tls(
                        new TlsSecurity(
                            brokerCert.path(),
                            brokerCert.password(),
                            trust.path(),
                            trust.password(),
                            adminCert.path(),
                            adminCert.password())))
            .start();
    registry = BasicAuthRegistry.start(REGISTRY_USER, REGISTRY_PASSWORD);
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(ServiceAcls.of(Service.INGEST, "User:ingest"));
    acls.addAll(ServiceAcls.of(Service.BATCHER, "User:batcher"));
    acls.addAll(ServiceAcls.of(Service.JOBS, "User:batcher"));
    acls.addAll(ServiceAcls.of(Service.PROCESSOR, "User:processor"));
    acls.addAll(ServiceAcls.of(Service.RESULTS_READER, "User:reader"));
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
  void thePipelineRunsOverMutualTlsWithACertificatePerService() throws Exception {
    Path input = dir.resolve("tls-job.jsonl");
    List<String> ids = SecuredPipelineRun.writeRequests(input, REQUESTS, "t", 11);
    SecuredPipelineRun.Result run =
        SecuredPipelineRun.run(
            dir,
            MODEL,
            "tls-0",
            new SecuredPipelineRun.ClientFiles(
                clientFile("batcher", ""),
                clientFile("processor", "session.timeout.ms=10000\n"),
                clientFile("ingest", ""),
                clientFile("reader", "")),
            input,
            ids,
            "tls-" + UUID.randomUUID(),
            () -> "");
    CompletionCollector.Outcome outcome = run.outcome();
    ChildJvm.Result ingest = run.ingest();
    ChildJvm.Result batcherRun = run.batcher();
    String inProcessOutput = run.inProcessOutput();

    assertThat(outcome.missing())
        .as("requests without a result; output:\n%s", inProcessOutput)
        .isEmpty();
    assertThat(outcome.errors()).isZero();
    assertThat(outcome.duplicates()).isZero();
    // Kafka prints each client's configuration, with the store passwords masked
    assertThat(ingest.output())
        .contains(
            "security.protocol = SSL",
            "ssl.keystore.password = [hidden]",
            "ssl.truststore.password = [hidden]");
    assertThat(batcherRun.output())
        .contains("StreamsConfig values", "ssl.keystore.password = [hidden]")
        .contains("ssl.keystore.password=[hidden]");
    for (String output : List.of(ingest.output(), batcherRun.output(), inProcessOutput)) {
      assertNoSecretIn(output);
    }
  }

  @Test
  void clientsWithoutATrustedCertificateAreRefusedInOneLine() throws Exception {
    Path input = dir.resolve("refused.jsonl");
    SecuredPipelineRun.writeRequests(input, 2, "t", 11);
    Path noCertificate = dir.resolve("no-certificate.properties");
    Files.writeString(
        noCertificate,
        Files.readString(clientFile("ingest", SHORT_TIMEOUTS))
            .lines()
            .filter(l -> !l.startsWith("ssl.keystore") && !l.startsWith("ssl.key.password"))
            .reduce("", (a, l) -> a + l + "\n"));
    Path untrusted = dir.resolve("untrusted.properties");
    Files.writeString(untrusted, base(strangerCert) + SHORT_TIMEOUTS);

    List<CommandRun.Result> results = new ArrayList<>();
    try (CapturedOutput captured = CapturedOutput.start()) {
      CommandRun.Result ingestWithout =
          CommandRun.finish(
              COMMAND_BOUND,
              "ingest",
              "--kafka-config",
              noCertificate.toString(),
              "--input",
              input.toString());
      CommandRun.Result ingestUntrusted =
          CommandRun.finish(
              COMMAND_BOUND,
              "ingest",
              "--kafka-config",
              untrusted.toString(),
              "--input",
              input.toString());
      CommandRun.Result processorUntrusted =
          CommandRun.finish(
              COMMAND_BOUND,
              "processor",
              "--model",
              MODEL.toString(),
              "--instance-id",
              "refused-tls-0",
              "--kafka-config",
              untrusted.toString(),
              "--kv-blocks",
              "64");
      CommandRun.Result batcherWithout =
          CommandRun.finish(
              COMMAND_BOUND,
              "batcher",
              "--model",
              MODEL.toString(),
              "--kafka-config",
              noCertificate.toString(),
              "--kv-blocks",
              "64");
      results.addAll(List.of(ingestWithout, ingestUntrusted, processorUntrusted, batcherWithout));
      for (CommandRun.Result r : results) {
        System.out.print("refused as expected: " + r.errorLines());
        assertThat(r.exitCode())
            .as("exit code (null: still running after %s); stderr:\n%s", COMMAND_BOUND, r.err())
            .isEqualTo(1);
        assertThat(r.errorLines().lines()).as(r.err()).hasSize(1);
        assertThat(r.errorLines())
            .as(r.err())
            .contains("TLS handshake failed", "client certificates", "ssl.keystore");
        assertNoSecretIn(r.out() + r.err());
      }
      assertNoSecretIn(captured.text());
    }
  }

  private static void assertNoSecretIn(String output) {
    for (Store s : STORES) {
      assertThat(output)
          .as("output holds the password of %s", s.path())
          .doesNotContain(s.password());
    }
    assertThat(output).doesNotContain(REGISTRY_PASSWORD).doesNotContain("store-Pw-");
  }

  /**
   * A --kafka-config file for the service {@code name}, with a certificate of its own (CN = name).
   */
  private static Path clientFile(String name, String extra) throws IOException {
    Store own = ca.issue(name, false);
    STORES.add(own);
    Path file = dir.resolve(name + ".properties");
    Files.writeString(file, base(own) + extra);
    return file;
  }

  private static String base(Store keyStore) {
    return "bootstrap.servers="
        + broker.bootstrapServers()
        + "\n"
        + "security.protocol=SSL\n"
        + "ssl.keystore.type=PKCS12\n"
        + "ssl.keystore.location="
        + keyStore.path()
        + "\n"
        + "ssl.keystore.password="
        + keyStore.password()
        + "\n"
        + "ssl.key.password="
        + keyStore.password()
        + "\n"
        + "ssl.truststore.type=PKCS12\n"
        + "ssl.truststore.location="
        + trust.path()
        + "\n"
        + "ssl.truststore.password="
        + trust.password()
        + "\n"
        + "schema.registry.url="
        + registry.url()
        + "\n"
        + "basic.auth.credentials.source=USER_INFO\n"
        + "basic.auth.user.info="
        + REGISTRY_USER
        + ":"
        + REGISTRY_PASSWORD
        + "\n";
  }
}
