package io.pagedstream.kafka.embedded;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.ServerSocketFactory;

/**
 * Binds the node's listener sockets before Kafka starts and hands them to Kafka's socket server.
 *
 * <p>Binding first means port 0 is resolved by the operating system with no window for another
 * process to take the port before Kafka binds it, and a taken port is reported before any Kafka
 * thread exists. Kafka owns (and closes) a socket once it has claimed it; {@link #close()} releases
 * the unclaimed ones.
 */
final class PreboundSockets implements ServerSocketFactory, AutoCloseable {

  /**
   * A literal address rather than "localhost", which may resolve to ::1 on some hosts and 127.0.0.1
   * on others.
   */
  static final String HOST = "127.0.0.1";

  /**
   * Let the OS pick the listen backlog and receive buffer (Kafka's own factory skips the option for
   * -1).
   */
  private static final int OS_DEFAULT = -1;

  private final Map<String, ServerSocketChannel> unclaimed = new HashMap<>();
  private final ListenerPorts ports;

  private PreboundSockets(ServerSocketChannel broker, ServerSocketChannel controller) {
    unclaimed.put(BrokerConfig.BROKER_LISTENER, broker);
    unclaimed.put(BrokerConfig.CONTROLLER_LISTENER, controller);
    this.ports =
        new ListenerPorts(broker.socket().getLocalPort(), controller.socket().getLocalPort());
  }

  /**
   * @param brokerPort the client port, or 0 for any free one; the controller port is always a free
   *     one, as the static single-voter quorum does not remember it between runs
   */
  static PreboundSockets bind(int brokerPort) {
    ServerSocketChannel broker = open(BrokerConfig.BROKER_LISTENER, brokerPort);
    try {
      return new PreboundSockets(broker, open(BrokerConfig.CONTROLLER_LISTENER, 0));
    } catch (RuntimeException e) {
      Utils.closeQuietly(broker, "broker socket");
      throw e;
    }
  }

  ListenerPorts ports() {
    return ports;
  }

  @Override
  public synchronized ServerSocketChannel openServerSocket(
      String listenerName, InetSocketAddress address, int listenBacklogSize, int recvBufferSize)
      throws IOException {
    ServerSocketChannel prebound = unclaimed.remove(listenerName);
    if (prebound != null) {
      return prebound;
    }
    return ServerSocketFactory.INSTANCE.openServerSocket(
        listenerName, address, listenBacklogSize, recvBufferSize);
  }

  @Override
  public synchronized void close() {
    unclaimed.forEach((listener, socket) -> Utils.closeQuietly(socket, listener + " socket"));
    unclaimed.clear();
  }

  private static ServerSocketChannel open(String listener, int port) {
    try {
      // Kafka's own factory, so the channel is set up (non-blocking etc.) exactly as Kafka expects.
      return ServerSocketFactory.INSTANCE.openServerSocket(
          listener, new InetSocketAddress(HOST, port), OS_DEFAULT, OS_DEFAULT);
    } catch (IOException | KafkaException e) {
      if (e.getCause() instanceof BindException && port != 0) {
        throw new EmbeddedKafkaException(
            "Port "
                + port
                + " on "
                + HOST
                + " is already in use; choose another port, or 0 for a free one",
            e);
      }
      throw new EmbeddedKafkaException(
          "Cannot listen on " + HOST + ":" + port + ": " + e.getMessage(), e);
    }
  }
}
