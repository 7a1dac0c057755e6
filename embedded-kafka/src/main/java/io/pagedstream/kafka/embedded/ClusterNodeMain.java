package io.pagedstream.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.ServerSocketFactory;

/**
 * The main class of one node of an {@link EmbeddedKafkaCluster}, run in a JVM of its own so that
 * the node can be killed as a crashed broker dies: no controlled shutdown, no flush, no
 * clean-shutdown marker.
 *
 * <p>Arguments: the node's properties file, the cluster id and the file to create once the node
 * serves. The node formats its storage if it is new, starts, creates the ready file and then runs
 * until its standard input ends: the parent holds that pipe, so a parent that dies (even by
 * SIGKILL) takes its nodes with it instead of leaving brokers running.
 */
public final class ClusterNodeMain {

  private ClusterNodeMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: ClusterNodeMain NODE_PROPERTIES CLUSTER_ID READY_FILE");
      System.exit(2);
    }
    Map<String, Object> properties = load(Path.of(args[0]));
    String clusterId = args[1];
    Path ready = Path.of(args[2]);
    try {
      format(properties, clusterId);
      KafkaNode.start(properties, ServerSocketFactory.INSTANCE);
    } catch (RuntimeException e) {
      System.err.println(
          "node "
              + properties.get("node.id")
              + " failed to start: "
              + StartFailure.describe(e, Path.of(String.valueOf(properties.get("log.dirs"))))
                  .getMessage());
      e.printStackTrace();
      Runtime.getRuntime().halt(1);
    }
    Files.writeString(ready, "ready\n");
    InputStream parent = System.in;
    while (parent.read() != -1) {
      // nothing is ever sent; the read only ends when the parent closes the pipe or dies
    }
    Runtime.getRuntime().halt(0);
  }

  private static Map<String, Object> load(Path file) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    p.forEach((k, v) -> m.put(k.toString(), v.toString()));
    return m;
  }

  /**
   * As {@code kafka-storage.sh format --cluster-id ID} on each node of a static quorum; a formatted
   * directory is kept.
   */
  private static void format(Map<String, Object> properties, String clusterId) {
    Path dir = Path.of(String.valueOf(properties.get("log.dirs")));
    if (Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
      return;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      new Formatter()
          .setPrintStream(print)
          .setNodeId(Integer.parseInt(String.valueOf(properties.get("node.id"))))
          .setClusterId(clusterId)
          .setControllerListenerName(BrokerConfig.CONTROLLER_LISTENER)
          .addDirectory(dir.toString())
          .setMetadataLogDirectory(dir.toString())
          .run();
    } catch (Exception e) {
      throw new EmbeddedKafkaException(
          "Cannot format Kafka data directory " + dir + ": " + e.getMessage(), e);
    }
  }
}
