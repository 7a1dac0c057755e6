package io.pagedstream.batcher.jobs;

import io.pagedstream.batcher.LenientDeserializer;
import io.pagedstream.schemas.Topics;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import io.pagedstream.schemas.avro.JobStatus;
import io.pagedstream.schemas.serde.AvroSerdes;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 *
 *
 * <pre>
 * llm.requests    --first (job, id)?--> submitted / resubmitted --\
 *                                                                  +--> by job id --> sum --> llm.jobs
 * llm.completions --first (job, id)?--> completed, failed, tokens -/
 * </pre>
 */
public final class JobsTopology {

  public static final String APPLICATION_ID = "pagedstream-jobs";
  static final String SUBMITTED_STORE = "job-submissions";
  static final String ANSWERED_STORE = "job-answers";
  static final String STATUS_STORE = "job-status";

  private JobsTopology() {}

  public static Topology build(Map<String, ?> registrySettings) {
    StreamsBuilder b = new StreamsBuilder();
    Serde<JobStatus> status = AvroSerdes.serde(JobStatus.class, registrySettings);
    Serde<GenerationRequest> requests =
        Serdes.serdeFrom(
            AvroSerdes.serde(GenerationRequest.class, registrySettings).serializer(),
            new LenientDeserializer<>(
                AvroSerdes.serde(GenerationRequest.class, registrySettings).deserializer()));
    Serde<Completion> completions =
        Serdes.serdeFrom(
            AvroSerdes.serde(Completion.class, registrySettings).serializer(),
            new LenientDeserializer<>(
                AvroSerdes.serde(Completion.class, registrySettings).deserializer()));
    b.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(SUBMITTED_STORE), Serdes.String(), Serdes.Long()));
    b.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(ANSWERED_STORE), Serdes.String(), Serdes.Long()));

    KStream<String, JobStatus> submitted =
        b.stream(Topics.REQUESTS, Consumed.with(Serdes.String(), requests))
            .process(
                () ->
                    new FirstSeen<GenerationRequest, JobStatus>(
                        SUBMITTED_STORE,
                        GenerationRequest::getJobId,
                        GenerationRequest::getId,
                        JobDeltas::submission),
                SUBMITTED_STORE);
    // exactly-once processing writes one completion per request; counting first answers only
    // keeps the figures right even if some writer did not
    KStream<String, JobStatus> answered =
        b.stream(Topics.COMPLETIONS, Consumed.with(Serdes.String(), completions))
            .process(
                () ->
                    new FirstSeen<Completion, JobStatus>(
                        ANSWERED_STORE,
                        Completion::getJobId,
                        Completion::getId,
                        (c, first, ts) -> first ? JobDeltas.answer(c, ts) : null),
                ANSWERED_STORE);
    submitted
        .merge(answered)
        .groupByKey(Grouped.with(Serdes.String(), status))
        .reduce(
            JobDeltas::add,
            Materialized.<String, JobStatus>as(Stores.persistentKeyValueStore(STATUS_STORE))
                .withKeySerde(Serdes.String())
                .withValueSerde(status))
        .toStream()
        .to(Topics.JOBS, Produced.with(Serdes.String(), status));
    return b.build();
  }
}
