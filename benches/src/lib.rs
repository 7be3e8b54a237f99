//! Shared helpers of the iamkit benchmarks.
