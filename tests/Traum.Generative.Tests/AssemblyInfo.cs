// Training repeatability is asserted bit for bit, and libtorch's global state (the generator that initialises weights
// and samples latents, the intra-op thread count) is process-wide: test classes here run one at a time so no other
// class's torch work can interleave with a training under test.
[assembly: Xunit.CollectionBehavior(Xunit.CollectionBehavior.CollectionPerAssembly)]
