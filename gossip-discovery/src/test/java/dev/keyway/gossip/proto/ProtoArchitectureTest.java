package dev.keyway.gossip.proto;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The proto package is a pure state machine: no IO, threads, clocks, unseeded randomness, network
 * libraries or hash-ordered collections (whose iteration order could leak into decisions).
 */
class ProtoArchitectureTest {
  static final JavaClasses PROTO = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.keyway.gossip.proto");

  @Test
  void noIoThreadsOrNetworkLibraries() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage(
            "java.io..", "java.nio..", "java.net..", "java.util.concurrent..", "io.vertx..", "io.netty..",
            "com.fasterxml..", "dev.keyway.gossip.sim..", "dev.keyway.gossip.wire..")
        .check(PROTO);
    noClasses().should().dependOnClassesThat().areAssignableTo(Thread.class).check(PROTO);
  }

  @Test
  void noClocksAndNoUnseededRandomness() {
    noClasses().should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Instant")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Math$RandomNumberGeneratorHolder")
        .orShould().callMethod(Math.class, "random")
        .check(PROTO);
  }

  @Test
  void noHashOrderedCollections() {
    noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.util.HashMap")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.HashSet")
        .check(PROTO);
  }
}
