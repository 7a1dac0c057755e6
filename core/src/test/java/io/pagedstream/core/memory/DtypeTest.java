package io.pagedstream.core.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DtypeTest {

  @ParameterizedTest
  @CsvSource({
    "float32,FLOAT32",
    "FP32,FLOAT32",
    "float16,FLOAT16",
    "half,FLOAT16",
    "bf16,BFLOAT16",
    "bfloat16,BFLOAT16",
    "int8,INT8",
    "int4,INT4",
    "fp8,FLOAT8",
    "fp8_e5m2,FLOAT8"
  })
  void parsesNamesAndAliases(String name, Dtype expected) {
    assertThat(Dtype.parse(name)).isEqualTo(expected);
  }

  @Test
  void unknownNamesListTheChoices() {
    assertThatThrownBy(() -> Dtype.parse("float64"))
        .hasMessage(
            "unknown dtype 'float64' (expected one of float32, float16, bfloat16, float8, int8, int4)");
  }

  @Test
  void int4IsHalfAByteRoundedUpOnce() {
    assertThat(Dtype.INT4.bytesFor(7)).isEqualTo(4);
    assertThat(Dtype.INT4.bytesFor(8)).isEqualTo(4);
    assertThat(Dtype.INT4.bytesFor(0)).isZero();
    assertThat(Dtype.INT8.bytesFor(7)).isEqualTo(7);
    assertThat(Dtype.FLOAT32.bytesFor(3)).isEqualTo(12);
    assertThat(Dtype.BFLOAT16.bytesFor(1_000_000_007L)).isEqualTo(2_000_000_014L);
  }

  @Test
  void quantizedWeightsComputeInFloat16() {
    assertThat(Dtype.INT4.computeDtype()).isEqualTo(Dtype.FLOAT16);
    assertThat(Dtype.INT8.computeDtype()).isEqualTo(Dtype.FLOAT16);
    assertThat(Dtype.BFLOAT16.computeDtype()).isEqualTo(Dtype.BFLOAT16);
    assertThat(Dtype.FLOAT32.computeDtype()).isEqualTo(Dtype.FLOAT32);
  }
}
