// zonewatch command line: a thin layer over the pipeline (being built).
#include "zonewatch/pipeline/version.hpp"
#include <cstdio>
int main() { std::puts(zw::kVersion); return 0; }
