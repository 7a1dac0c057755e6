package io.pagedstream.sink;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Writes {@code llm.completions} to JSONL files, one folder per job, exactly once. Read the
 * completions with {@code value.converter=io.pagedstream.schemas.connect.AvroConverter} and, since
 * the topic is written transactionally, {@code consumer.override.isolation.level=read_committed}.
 * See the package documentation for the file layout and the commit protocol.
 */
public final class CompletionSinkConnector extends SinkConnector {

  static final String VERSION = versionOf(CompletionSinkConnector.class);

  private Map<String, String> props;

  @Override
  public String version() {
    return VERSION;
  }

  @Override
  public void start(Map<String, String> props) {
    new CompletionSinkConfig(props); // fails with the bad setting's name before any task starts
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return CompletionSinkTask.class;
  }

  /** Every task gets the same settings; Connect spreads the partitions among them. */
  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return Collections.nCopies(maxTasks, props);
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return CompletionSinkConfig.CONFIG_DEF;
  }

  /**
   * Refuses to move the consumer group: the commit records in {@code output.dir} are the real
   * offsets and tasks seek to them on start, so a reset would silently do nothing.
   */
  @Override
  public boolean alterOffsets(
      Map<String, String> connectorConfig, Map<TopicPartition, Long> offsets) {
    throw new ConnectException(
        "The offsets of "
            + getClass().getSimpleName()
            + " live in the"
            + " commit records under "
            + connectorConfig.get(CompletionSinkConfig.OUTPUT_DIR)
            + "/.pagedstream/commits; to start over, stop the connector and delete its output"
            + " directory");
  }

  private static String versionOf(Class<?> type) {
    // from the jar's manifest; classes run from target/classes (tests, IDEs) have none
    String version = type.getPackage().getImplementationVersion();
    return version == null ? "unknown" : version;
  }
}
