package io.pagedstream.batcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pagedstream.schemas.avro.BatchedRequest;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class StateSerdeTest {

  @Test
  void openBatchesRoundTrip() {
    OpenBatchSerde serde = new OpenBatchSerde();
    OpenBatch batch = new OpenBatch("app-3-1042", 1_767_225_600_123L, 37, 5);

    byte[] bytes = serde.serializer().serialize("t", batch);

    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(batch);
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void openBatchesKeepTheirRouteAndVersionOneStoresStillRestore() {
    OpenBatchSerde serde = new OpenBatchSerde();
    OpenBatch routed = new OpenBatch("app-0-7", 5, 12, 2, 3);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", routed)))
        .isEqualTo(routed);

    // a predecessor's changelog: version 1, no route
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF("old-1-2");
      out.writeLong(9);
      out.writeInt(4);
      out.writeInt(1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(serde.deserializer().deserialize("t", bytes.toByteArray()))
        .isEqualTo(new OpenBatch("old-1-2", 9, 4, 1, PrefixRoute.NONE));
  }

  @Test
  void unreadableOpenBatchesFailWithTheReason() {
    OpenBatchSerde serde = new OpenBatchSerde();
    byte[] bytes = serde.serializer().serialize("t", new OpenBatch("a", 1, 2, 3));
    bytes[0] = 9;

    assertThatThrownBy(() -> serde.deserializer().deserialize("t", bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("layout version 9");
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {1, 0}))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void batchedRequestsRoundTripWithoutARegistry() {
    AvroStateSerde<BatchedRequest> serde =
        new AvroStateSerde<>(BatchedRequest.getEncoder(), BatchedRequest.getDecoder());
    BatchedRequest request =
        BatchedRequest.newBuilder()
            .setId("r1")
            .setJobId("j")
            .setPromptTokenIds(List.of(1023, 381))
            .setMaxTokens(30)
            .setSeed(7L)
            .setEstimatedKvBlocks(2)
            .setPromptWasText(true)
            .build();

    byte[] bytes = serde.serializer().serialize("t", request);

    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(request);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {0, 1, 2}))
        .isInstanceOf(SerializationException.class);
  }
}
