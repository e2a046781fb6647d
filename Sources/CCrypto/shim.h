// Headers of the system library this module exposes to Swift.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>
