//! Tests of the `dotnet` cataloger.
