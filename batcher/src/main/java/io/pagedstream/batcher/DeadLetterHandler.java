package io.pagedstream.batcher;

import io.pagedstream.core.OneLine;
import io.pagedstream.schemas.Completions;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import io.pagedstream.schemas.serde.AvroSerializer;
import io.pagedstream.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a record on {@code llm.requests} that is not a readable request: its original key
 * and value go to {@code llm.dead-letter} with the reason, source and service in headers, and, when
 * the request id can be read (the record key, else the id at the start of the value), an error
 * completion keyed by that id goes to {@code llm.completions}.
 *
 * <p>Both records are returned to Kafka Streams as the response's dead-letter records, which it
 * sends through the task's own producer: under exactly_once_v2 they commit in the same transaction
 * as the record's offset, so a crash can neither lose them nor write them twice. (Kafka's built-in
 * {@code errors.dead.letter.queue.topic.name} writes only the dead letter, not the completion.)
 *
 * <p>A record that failed because the schema registry could not be reached is not bad: the handler
 * fails instead, the stream thread is replaced, and the record is read again from the last commit.
 * Failing to write the completion (its schema cannot be registered, say) fails too, since resuming
 * without it would leave the request unanswered.
 *
 * <p>Created by Kafka Streams from {@code deserialization.exception.handler} and configured with
 * the Streams config: the registry settings for the completion, {@code application.id} as the
 * service name, and {@link BatcherMetrics#CONFIG_KEY}.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

  private AvroSerializer<Completion> completions;
  private String service = BatcherConfig.DEFAULT_APPLICATION_ID;
  private BatcherMetrics metrics = BatcherMetrics.none();

  @Override
  public void configure(Map<String, ?> configs) {
    Object applicationId = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
    if (applicationId != null) {
      service = applicationId.toString();
    }
    if (configs.get(BatcherMetrics.CONFIG_KEY) instanceof BatcherMetrics given) {
      metrics = given;
    }
    completions = new AvroSerializer<>();
    completions.configure(configs, false);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (isRegistryOutage(exception)) {
      LOG.warn(
          "cannot read {}-{}@{} while the schema registry is unavailable, retrying: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          OneLine.of(exception));
      return Response.fail();
    }
    String reason = OneLine.of(exception);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(2);
    out.add(deadLetter(record, reason));
    Optional<String> id = requestId(record);
    if (id.isPresent()) {
      Completion error =
          Completions.error(
                  id.get(),
                  "",
                  "request could not be read: " + reason,
                  0,
                  System.currentTimeMillis())
              .setProcessor(service)
              .build();
      byte[] value;
      try {
        value = completions.serialize(Topics.COMPLETIONS, error);
      } catch (RuntimeException e) {
        LOG.error(
            "cannot write the error completion for unreadable request {} ({}-{}@{}), retrying: {}",
            id.get(),
            record.topic(),
            record.partition(),
            record.offset(),
            OneLine.of(e));
        return Response.fail();
      }
      out.add(
          new ProducerRecord<>(
              Topics.COMPLETIONS,
              null,
              timestamp(record),
              id.get().getBytes(StandardCharsets.UTF_8),
              value));
    }
    LOG.warn(
        "dead-lettered {}-{}@{} (request id {}): {}",
        record.topic(),
        record.partition(),
        record.offset(),
        id.orElse("unknown"),
        reason);
    metrics.recordDeadLettered();
    return Response.resume(out);
  }

  /** The original bytes, headers kept, plus why, from where and by whom. */
  private ProducerRecord<byte[], byte[]> deadLetter(
      ConsumerRecord<byte[], byte[]> record, String reason) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(Topics.HEADER_ERROR, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(
        Topics.HEADER_SOURCE,
        (record.topic() + "-" + record.partition() + "@" + record.offset())
            .getBytes(StandardCharsets.UTF_8));
    headers.add(Topics.HEADER_SERVICE, service.getBytes(StandardCharsets.UTF_8));
    return new ProducerRecord<>(
        Topics.DEAD_LETTER, null, timestamp(record), record.key(), record.value(), headers);
  }

  /**
   * The record's own timestamp; none (the producer's clock) when it has none (-1, old message
   * formats), which ProducerRecord would refuse and so make the record a poison pill.
   */
  private static Long timestamp(ConsumerRecord<byte[], byte[]> record) {
    return record.timestamp() >= 0 ? record.timestamp() : null;
  }

  /**
   * The record key when it has one (ingest keys requests by id), else the id the value starts with.
   */
  static Optional<String> requestId(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() != null) {
      String key = new String(record.key(), StandardCharsets.UTF_8);
      if (!key.isBlank()) {
        return Optional.of(key);
      }
    }
    return WireFormat.leadingString(record.value()).filter(id -> !id.isBlank());
  }

  /** A registry that is down or failing on its side: somewhere in the cause chain. */
  static boolean isRegistryOutage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SchemaRegistryException r && r.isRetriable()) {
        return true;
      }
    }
    return false;
  }
}
