/*
 * entry.c - the libFuzzer entry point of one target of targets.c.
 *
 * fuzz/run compiles this file once per target with -DFUZZ_TARGET=name.
 */
#include <stddef.h>
#include <stdint.h>

#ifndef FUZZ_TARGET
#error "compile with -DFUZZ_TARGET=ndr_fuzz_NAME"
#endif

int FUZZ_TARGET(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FUZZ_TARGET(data, size);
}
