package dev.keyway.gossip.proto;

import java.util.Objects;

/**
 * Settings of a {@link GossipState}: both protocol layers and the frame size.
 *
 * @param hyParView membership settings
 * @param plumTree broadcast settings
 * @param maxFrameSize the largest encoded frame in bytes, the same network-wide; iroh-gossip
 *     default: 4096, minimum 512
 */
public record GossipConfig(HyParViewConfig hyParView, PlumTreeConfig plumTree, int maxFrameSize) {
  /** iroh-gossip's default frame limit. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 4096;
  /** iroh-gossip's smallest allowed frame limit. */
  public static final int MIN_MAX_FRAME_SIZE = 512;

  public GossipConfig {
    Objects.requireNonNull(hyParView, "hyParView");
    Objects.requireNonNull(plumTree, "plumTree");
    if (maxFrameSize < MIN_MAX_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSize must be at least " + MIN_MAX_FRAME_SIZE);
    }
  }

  /** The defaults of both layers and a 4096-byte frame. */
  public static GossipConfig defaults() {
    return new GossipConfig(HyParViewConfig.defaults(), PlumTreeConfig.defaults(), DEFAULT_MAX_FRAME_SIZE);
  }

  /** A copy with another HyParView configuration. */
  public GossipConfig withHyParView(HyParViewConfig config) {
    return new GossipConfig(config, plumTree, maxFrameSize);
  }

  /** A copy with another PlumTree configuration. */
  public GossipConfig withPlumTree(PlumTreeConfig config) {
    return new GossipConfig(hyParView, config, maxFrameSize);
  }

  /** A copy with another frame limit. */
  public GossipConfig withMaxFrameSize(int size) {
    return new GossipConfig(hyParView, plumTree, size);
  }
}
