package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleTest {

  @Test
  void closeReleasesPortAndThreadsAndDeletesTemporaryData() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    EmbeddedKafka kafka = EmbeddedKafka.builder().start();
    Path dir = kafka.dataDir();
    int port = port(kafka);
    // Exercise the group and transaction coordinators so their threads exist too.
    kafka.createTopics("t");
    try (KafkaProducer<String, String> producer =
        Clients.producer(kafka.clientProperties(), Map.of("transactional.id", "leak-check"))) {
      producer.initTransactions();
      producer.beginTransaction();
      Clients.send(producer, "t", "x");
      producer.commitTransaction();
    }
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(kafka.clientProperties(), "g", Map.of())) {
      consumer.subscribe(List.of("t"));
      assertThat(Clients.poll(consumer, 1, Duration.ofSeconds(30))).containsExactly("x");
      consumer.commitSync();
    }

    kafka.close();

    assertThat(dir).doesNotExist();
    assertThat(canBind(port)).as("port %s free after close", port).isTrue();
    assertThat(leftoverThreads(before)).isEmpty();
  }

  @Test
  void givenDataDirIsKeptAndReusedByTheNextBroker(@TempDir Path parent) throws Exception {
    Path dir = parent.resolve("kafka-data");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
      kafka.createTopics("kept");
    }
    assertThat(dir.resolve("meta.properties")).exists();

    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).start();
        Admin admin = Admin.create(kafka.clientProperties())) {
      assertThat(admin.listTopics().names().get()).contains("kept");
    }
  }

  @Test
  void fixedPortIsUsedAndKeptAcrossRestarts() {
    int port = freePort();
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(port).start()) {
      assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      kafka.restart();
      assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
    }
  }

  @Test
  void portTakenByAnotherProcessIsReportedInOneLine() throws IOException {
    try (ServerSocket squatter = bindAnyPort();
        EmbeddedKafka kafka = EmbeddedKafka.builder().port(squatter.getLocalPort()).build()) {
      assertThatThrownBy(kafka::start)
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessage(
              "Port "
                  + squatter.getLocalPort()
                  + " on 127.0.0.1 is already in use; choose another port, or 0 for a free one");
    }
  }

  @Test
  void restartFailsClearlyWhenThePortWasTakenMeanwhileAndWorksOnceItIsFree() throws IOException {
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
      kafka.createTopics("survivor");
      kafka.stop();
      try (ServerSocket squatter = bind(port(kafka))) {
        assertThatThrownBy(kafka::start)
            .isInstanceOf(EmbeddedKafkaException.class)
            .hasMessageContaining(
                "Port " + squatter.getLocalPort() + " on 127.0.0.1 is already in use");
      }
      kafka.start();
      assertThat(kafka.isRunning()).isTrue();
    }
  }

  @Test
  void dataDirThatCannotBeCreatedIsReportedInOneLine(@TempDir Path parent) throws IOException {
    Path file = Files.writeString(parent.resolve("a-file"), "not a directory");
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(file.resolve("data")).build()) {
      assertThatThrownBy(kafka::start)
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageStartingWith(
              "Kafka data directory " + file.resolve("data") + " cannot be created")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void readOnlyDataDirIsReportedInOneLine(@TempDir Path parent) throws IOException {
    assumeThat(System.getProperty("user.name")).as("root may write anywhere").isNotEqualTo("root");
    Path dir = Files.createDirectory(parent.resolve("read-only"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build()) {
      assertThatThrownBy(kafka::start)
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageStartingWith("Kafka data directory " + dir + " is not writable");
    } finally {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void invalidBrokerPropertyIsReportedInOneLine() {
    try (EmbeddedKafka kafka =
        EmbeddedKafka.builder().brokerProperty("num.io.threads", "many").build()) {
      assertThatThrownBy(kafka::start)
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageContaining("failed to start")
          .hasMessageContaining("num.io.threads")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void extraPropertiesAndDefaultPartitionsApply() throws Exception {
    try (EmbeddedKafka kafka =
            EmbeddedKafka.builder()
                .defaultPartitions(4)
                .brokerProperty("auto.create.topics.enable", "false")
                .start();
        Admin admin = Admin.create(kafka.clientProperties())) {
      kafka.createTopics("four");
      kafka.createTopics("four"); // existing topics are left alone
      assertThat(
              admin.describeTopics(List.of("four")).allTopicNames().get().get("four").partitions())
          .hasSize(4);
      var broker =
          new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1");
      assertThat(
              admin
                  .describeConfigs(List.of(broker))
                  .all()
                  .get()
                  .get(broker)
                  .get("auto.create.topics.enable")
                  .value())
          .isEqualTo("false");
    }
  }

  @Test
  void builderRejectsWhatWouldBreakTheNode() {
    assertThatThrownBy(
            () -> EmbeddedKafka.builder().brokerProperty("listeners", "PLAINTEXT://:9092"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("managed by EmbeddedKafka");
    assertThatThrownBy(() -> EmbeddedKafka.builder().port(70000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EmbeddedKafka.builder().defaultPartitions(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Credentials.of("alice", "with,comma"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> SaslSecurity.scramSha256(Credentials.of("a", "x"), Credentials.of("a", "y")))
        .hasMessage("SASL user 'a' is defined twice");
    assertThat(Credentials.of("alice", "secret").toString()).doesNotContain("secret");
  }

  @Test
  void lifecycleMisuseIsRejectedAndStopAndCloseAreIdempotent() {
    EmbeddedKafka kafka = EmbeddedKafka.builder().build();
    assertThatThrownBy(kafka::bootstrapServers).isInstanceOf(IllegalStateException.class);
    kafka.stop(); // not running: nothing to do
    kafka.start();
    assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class);
    kafka.stop();
    kafka.stop();
    assertThat(kafka.isRunning()).isFalse();
    kafka.close();
    kafka.close();
    assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class);
  }

  /**
   * Threads started since {@code before} that are still alive; only Yammer's JVM-wide metrics
   * ticker may stay.
   */
  private static Set<String> leftoverThreads(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Set<String> leftover;
    do {
      leftover =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> !before.contains(t) && t.isAlive())
              .filter(t -> !(t.isDaemon() && t.getName().startsWith("metrics-meter-tick-thread")))
              .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : ""))
              .collect(Collectors.toSet());
      if (!leftover.isEmpty()) {
        Thread.sleep(100);
      }
    } while (!leftover.isEmpty() && System.nanoTime() < deadline);
    return leftover;
  }

  private static int port(EmbeddedKafka kafka) {
    String address = kafka.bootstrapServers();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static ServerSocket bindAnyPort() throws IOException {
    return bind(0);
  }

  private static int freePort() {
    try (ServerSocket socket = bindAnyPort()) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * As a restarted broker would: with SO_REUSEADDR, so closed connections in TIME_WAIT do not
   * count.
   */
  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    return socket;
  }
}
