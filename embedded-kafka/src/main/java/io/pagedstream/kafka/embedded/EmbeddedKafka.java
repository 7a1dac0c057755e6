package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker running inside this JVM.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().defaultPartitions(4).start()) {
 *     kafka.createTopics("requests", "results");
 *     try (var producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(), new StringSerializer())) {
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #stop()} and {@link #start()} (or {@link #restart()}) may be repeated: data and the
 * client port survive, so clients created before a restart reconnect to the same address. {@link
 * #close()} stops the broker for good and deletes the data directory unless it was given by the
 * user. All lifecycle methods are thread-safe.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  private enum State {
    NEW,
    RUNNING,
    STOPPED,
    CLOSED
  }

  private final BrokerSettings settings;
  private DataDirectory dataDirectory;
  private KafkaNode node;
  private volatile State state = State.NEW;
  private boolean scramUsersReconciled;

  /** 0 until the first start has chosen a port; then fixed for the lifetime of this object. */
  private volatile int port;

  EmbeddedKafka(BrokerSettings settings) {
    this.settings = settings;
    this.port = settings.port();
  }

  public static EmbeddedKafkaBuilder builder() {
    return new EmbeddedKafkaBuilder();
  }

  /**
   * Formats the data directory if it is new, starts the node and returns once it accepts clients.
   *
   * @throws EmbeddedKafkaException if the broker cannot start (port taken, directory not writable,
   *     ...)
   * @throws IllegalStateException if it is already running or was closed
   */
  public synchronized EmbeddedKafka start() {
    if (state == State.RUNNING) {
      throw new IllegalStateException("Embedded Kafka is already running at " + bootstrapServers());
    }
    if (state == State.CLOSED) {
      throw new IllegalStateException("Embedded Kafka was closed and cannot be started again");
    }
    long begin = System.nanoTime();
    if (dataDirectory == null) {
      dataDirectory = DataDirectory.resolve(settings.dataDir());
    }
    dataDirectory.prepare();
    boolean formattedNow =
        StorageFormatter.formatIfNeeded(dataDirectory.path(), settings.security());
    try (PreboundSockets sockets = PreboundSockets.bind(port)) {
      node = startNode(sockets);
      port = sockets.ports().broker();
    }
    state = State.RUNNING;
    if (!formattedNow && !scramUsersReconciled) {
      try {
        reconcileScramUsers();
      } catch (RuntimeException e) {
        stop();
        throw e;
      }
    }
    scramUsersReconciled = true;
    LOG.info(
        "Embedded Kafka started at {} in {} ms (data in {})",
        bootstrapServers(),
        millisSince(begin),
        dataDirectory.path());
    return this;
  }

  /**
   * Shuts the broker down in order, keeping its data and port for a later {@link #start()}; no-op
   * unless running.
   */
  public synchronized void stop() {
    if (state != State.RUNNING) {
      return;
    }
    long begin = System.nanoTime();
    try {
      node.stop();
    } finally {
      node = null;
      state = State.STOPPED;
    }
    LOG.info("Embedded Kafka at {} stopped in {} ms", bootstrapServers(), millisSince(begin));
  }

  /** Stops (if running) and starts again on the same data directory and client port. */
  public synchronized EmbeddedKafka restart() {
    stop();
    return start();
  }

  /**
   * Stops the broker and deletes its data directory unless one was given to the builder.
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    try {
      stop();
    } finally {
      state = State.CLOSED;
      if (dataDirectory != null) {
        dataDirectory.deleteIfTemporary();
      }
    }
  }

  public synchronized boolean isRunning() {
    return state == State.RUNNING;
  }

  /**
   * {@code 127.0.0.1:port}; stays valid across restarts. Available once the broker has started for
   * the first time.
   */
  public String bootstrapServers() {
    int current = port;
    if (current == 0) {
      throw new IllegalStateException("Embedded Kafka has not been started yet, so it has no port");
    }
    return PreboundSockets.HOST + ":" + current;
  }

  /**
   * The directory holding the broker's logs and metadata. Available once the broker has started for
   * the first time.
   */
  public synchronized Path dataDir() {
    if (dataDirectory == null) {
      throw new IllegalStateException(
          "Embedded Kafka has not been started yet, so it has no data directory");
    }
    return dataDirectory.path();
  }

  /** The security mode, if the broker requires SASL. */
  public Optional<SaslSecurity> security() {
    return settings.security();
  }

  /**
   * Properties every client of this broker needs: the bootstrap address and, on a secured broker,
   * the super user's SASL settings or the admin certificate (so tools and admin code can do
   * anything).
   */
  public Map<String, Object> clientProperties() {
    if (settings.tls().isPresent()) {
      TlsSecurity tls = settings.tls().get();
      return clientProperties(tls.adminKeyStore(), tls.adminKeyStorePassword());
    }
    return settings
        .security()
        .map(s -> clientProperties(s.superUser()))
        .orElseGet(() -> Map.of("bootstrap.servers", bootstrapServers()));
  }

  /**
   * Bootstrap address plus the SSL settings of a client presenting the certificate in {@code
   * keyStore}.
   */
  public Map<String, Object> clientProperties(Path keyStore, String keyStorePassword) {
    TlsSecurity tls =
        settings
            .tls()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Embedded Kafka has no TLS security, so clients need no certificate"));
    Map<String, Object> properties =
        new HashMap<>(
            TlsProperties.client(
                keyStore, keyStorePassword, tls.trustStore(), tls.trustStorePassword()));
    properties.put("bootstrap.servers", bootstrapServers());
    return Map.copyOf(properties);
  }

  /** The mutual TLS mode, if the broker requires client certificates. */
  public Optional<TlsSecurity> tls() {
    return settings.tls();
  }

  /**
   * Bootstrap address plus SASL settings for {@code user}; the user need not exist (e.g. to test a
   * refusal).
   */
  public Map<String, Object> clientProperties(Credentials user) {
    SaslSecurity security =
        settings
            .security()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "Embedded Kafka has no SASL security, so clients have no credentials"));
    Map<String, Object> properties =
        new HashMap<>(SaslProperties.client(security.mechanism(), user));
    properties.put("bootstrap.servers", bootstrapServers());
    return Map.copyOf(properties);
  }

  /**
   * Creates topics with the default partition count; topics that already exist are left as they
   * are.
   */
  public void createTopics(String... names) {
    createTopics(
        Arrays.stream(names)
            .map(name -> new NewTopic(name, Optional.empty(), Optional.empty()))
            .toList());
  }

  /**
   * Creates the topics and waits until they exist; topics that already exist are left as they are.
   */
  public void createTopics(Collection<NewTopic> topics) {
    try (Admin admin = Admin.create(clientProperties())) {
      for (Map.Entry<String, KafkaFuture<Void>> created :
          admin.createTopics(topics).values().entrySet()) {
        awaitCreated(created.getKey(), created.getValue());
      }
    }
  }

  private static void awaitCreated(String topic, KafkaFuture<Void> future) {
    try {
      future.get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new EmbeddedKafkaException(
            "Cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("Interrupted while creating topic " + topic, e);
    }
  }

  /**
   * A reused data directory holds the SCRAM users it was formatted with; later additions must be
   * written now.
   */
  private void reconcileScramUsers() {
    settings
        .security()
        .filter(security -> security.mechanism() == SaslMechanism.SCRAM_SHA_256)
        .ifPresent(
            security -> ScramUsers.upsert(clientProperties(), security, dataDirectory.path()));
  }

  private KafkaNode startNode(PreboundSockets sockets) {
    try {
      return KafkaNode.start(
          BrokerConfig.build(settings, dataDirectory.path(), sockets.ports()), sockets);
    } catch (RuntimeException e) {
      throw StartFailure.describe(e, dataDirectory.path());
    }
  }

  private static long millisSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1_000_000;
  }

  @Override
  public String toString() {
    int current = port;
    return "EmbeddedKafka["
        + (current == 0 ? "not started" : PreboundSockets.HOST + ":" + current)
        + ", "
        + state
        + "]";
  }
}
