package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.pagedstream.schemas.avro.BatchedRequest;
import io.pagedstream.schemas.avro.ChatTurn;
import io.pagedstream.schemas.avro.Completion;
import io.pagedstream.schemas.avro.GenerationRequest;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI batch requests in the batcher: the served model is checked, errors keep the line's format
 * (so they are written as OpenAI error lines), n samples are estimated as prompt + n x max_tokens,
 * and the sampling options and format travel on in the batch.
 */
class OpenAiRequestsTest {

  @TempDir Path stateDir;

  private static GenerationRequest.Builder openAi(String id, String model) {
    return GenerationRequest.newBuilder(Requests.ids(id, 8, 8))
        .setFormat("text_completion")
        .setCustomId(id)
        .setModel(model);
  }

  @Test
  void servedModelFormatAndSamplesTravelOrFail() {
    String served = BatcherTopologyTest.MODEL.getFileName().toString();
    try (BatcherTestDriver batcher = new BatcherTestDriver(BatcherTopologyTest.CONFIG, stateDir)) {
      batcher.send(openAi("wrong", "gpt-4o").build());
      batcher.send(
          openAi("three", served)
              .setN(3)
              .setStop(List.of("\n"))
              .setStopTokenIds(List.of(2))
              .setLogprobs(5)
              .build());
      batcher.send(
          openAi("chat", served)
              .setFormat("chat.completion")
              .setPromptTokenIds(null)
              .setMessages(List.of(ChatTurn.newBuilder().setRole("user").setContent("Hi").build()))
              .build());
      batcher.flushByAge();

      List<TestRecord<String, Completion>> errors = batcher.readCompletions();
      assertThat(errors).extracting(TestRecord::key).containsExactly("wrong", "chat");
      Completion wrong = errors.get(0).value();
      assertThat(wrong.getError())
          .isEqualTo(
              "model \"gpt-4o\" is not served here: the served model is \""
                  + served
                  + "\" (--served-model-name)");
      assertThat(wrong.getFormat()).isEqualTo("text_completion");
      assertThat(wrong.getCustomId()).isEqualTo("wrong");
      assertThat(errors.get(1).value().getError()).contains("no chat template");
      assertThat(errors.get(1).value().getFormat()).isEqualTo("chat.completion");

      BatchedRequest three = batcher.readBatches().get(0).getRequests().get(0);
      assertThat(three.getN()).isEqualTo(3);
      // 8 prompt tokens + 3 x 8 = 32 tokens: two 16-token blocks
      assertThat(three.getEstimatedKvBlocks()).isEqualTo(2);
      assertThat(three.getStop()).containsExactly("\n");
      assertThat(three.getStopTokenIds()).containsExactly(2);
      assertThat(three.getLogprobs()).isEqualTo(5);
      assertThat(three.getFormat()).isEqualTo("text_completion");
      assertThat(three.getCustomId()).isEqualTo("three");
      assertThat(three.getModel()).isEqualTo(served);
    }
  }
}
