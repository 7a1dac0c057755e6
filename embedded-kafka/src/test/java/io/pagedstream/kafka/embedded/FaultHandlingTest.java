package io.pagedstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller that cannot bind its port is a fatal fault to Kafka; its standard handler would halt
 * the JVM (this test's JVM included). Here the start must fail with an exception and leave nothing
 * behind.
 */
class FaultHandlingTest {

  @Test
  void fatalFaultDuringStartThrowsInsteadOfEndingTheJvm(@TempDir Path dir) throws Exception {
    BrokerSettings settings =
        new BrokerSettings(Optional.empty(), 0, Map.of(), 1, Optional.empty());
    StorageFormatter.formatIfNeeded(dir, Optional.empty());
    PreboundSockets sockets = PreboundSockets.bind(0);
    ListenerPorts ports = sockets.ports();
    sockets.close(); // Kafka now binds the configured ports itself, as it would without pre-binding
    Set<Thread> before = Thread.getAllStackTraces().keySet();

    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(
          new InetSocketAddress(InetAddress.getByName(PreboundSockets.HOST), ports.controller()));

      RuntimeException failure =
          catchRuntimeException(
              () -> KafkaNode.start(BrokerConfig.build(settings, dir, ports), sockets));

      assertThat(failure).hasRootCauseInstanceOf(BindException.class);
    }
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
                .map(Thread::getName))
        .isEmpty();
  }
}
