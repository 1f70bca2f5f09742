package dev.keyway.relay.bench;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.client.keys.SecretKey;
import dev.keyway.client.packet.PacketBatch;
import dev.keyway.client.packet.SignedPacket;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Ed25519 verify rate of one core, the yardstick of the relay's PUT target (a benchmark, not
 * a test), on the same kind of packet the load driver PUTs ({@code _iroh} TXT records, about 200
 * bytes of DNS).
 *
 * <ul>
 *   <li>{@code bcVerify}: BouncyCastle's {@code Ed25519Signer} with cached key parameters, the
 *       reference rate ("one core's BouncyCastle verify rate");
 *   <li>{@code keywayVerify}: {@link PublicKey#verify}, BouncyCastle plus the strict checks;
 *   <li>{@code relayPayloadParse}: {@link SignedPacket#fromRelayPayload} with the key decoded
 *       already (sizes, signature with the strict R check, DNS parse);
 *   <li>{@code relayPutFloor}: the same plus decoding the key from its 32 bytes, i.e. everything
 *       a PUT of a new key costs before HTTP and the store: the relay's CPU floor;
 *   <li>{@code relayPutFloorBatch64}: the same for 64 PUTs of distinct keys verified as one
 *       {@link PacketBatch}, as the relay does under load; one operation is one PUT;
 *   <li>{@code relayPutFloorBatch32}: the same for 32 PUTs, about the batches the benchmark
 *       harness's load makes (25 to 37 on average).
 * </ul>
 * Run (pinned like the relay): {@code taskset -c 1 java -cp <test classpath>
 * org.openjdk.jmh.Main VerifyBenchmark -f 1 -t 1 -wi 3 -w 2s -i 5 -r 3s} (ops/bench/relay/run.sh
 * does it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VerifyBenchmark {
  PublicKey key;
  byte[] keyBytes;
  byte[] payload;
  byte[] signable;
  byte[] signature;
  Ed25519Signer bcSigner;
  Ed25519PublicKeyParameters bcKey;
  byte[][] batchKeys = new byte[BATCH][];
  byte[][] batchPayloads = new byte[BATCH][];
  final SecureRandom random = new SecureRandom();

  static final int BATCH = 64;

  @Setup
  public void setup() {
    byte[] seed = new byte[32];
    seed[0] = 7;
    SecretKey secret = SecretKey.fromBytes(seed);
    SignedPacket p = SignedPacket.builder()
        .txt("_iroh", 30, "relay=https://relay.example.test./")
        .txt("_iroh", 30, "addr=192.0.2.77:4433 [2001:db8::4d]:4433")
        .sign(secret, 1_700_000_000_000_000L);
    key = p.publicKey();
    keyBytes = key.toBytes();
    payload = p.toRelayPayload();
    signature = p.signature();
    byte[] dns = p.dnsBytes();
    ByteArrayOutputStream s = new ByteArrayOutputStream();
    s.writeBytes(("3:seqi" + p.timestampMicros() + "e1:v" + dns.length + ":").getBytes(StandardCharsets.US_ASCII));
    s.writeBytes(dns);
    signable = s.toByteArray();
    bcKey = new Ed25519PublicKeyParameters(key.toBytes(), 0);
    bcSigner = new Ed25519Signer();
    bcSigner.init(false, bcKey);
    for (int i = 0; i < BATCH; i++) {
      seed[1] = (byte) (i + 1);
      SecretKey k = SecretKey.fromBytes(seed);
      batchKeys[i] = k.publicKey().toBytes();
      batchPayloads[i] = SignedPacket.builder()
          .txt("_iroh", 30, "relay=https://relay.example.test./")
          .txt("_iroh", 30, "addr=192.0.2.77:4433 [2001:db8::4d]:4433")
          .sign(k, 1_700_000_000_000_000L + i).toRelayPayload();
    }
    if (!bcVerify() || !keywayVerify()
        || relayPutFloorBatch64().stream().anyMatch(r -> r.packet() == null)) {
      throw new IllegalStateException("benchmark packet does not verify");
    }
  }

  @Benchmark
  public boolean bcVerify() {
    bcSigner.update(signable, 0, signable.length);
    return bcSigner.verifySignature(signature);
  }

  @Benchmark
  public boolean keywayVerify() {
    return key.verify(signable, signature);
  }

  @Benchmark
  public SignedPacket relayPayloadParse() {
    return SignedPacket.fromRelayPayload(key, payload);
  }

  @Benchmark
  public SignedPacket relayPutFloor() {
    return SignedPacket.fromRelayPayload(PublicKey.fromBytes(keyBytes), payload);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public List<PacketBatch.Result> relayPutFloorBatch64() {
    return verifyBatch(BATCH);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH / 2)
  public List<PacketBatch.Result> relayPutFloorBatch32() {
    return verifyBatch(BATCH / 2);
  }

  private List<PacketBatch.Result> verifyBatch(int n) {
    PacketBatch batch = new PacketBatch(random);
    for (int i = 0; i < n; i++) {
      batch.add(PublicKey.fromBytes(batchKeys[i]), batchPayloads[i]);
    }
    return batch.verify();
  }
}
