// Run-time loading of libclang for the layout engine.
//
// memview does not link libclang: libclang pulls in libLLVM, whose loading and static
// initialisation cost every process 20-50 ms at start, although only parsing C/C++ needs it.
// The layout parser calls libclang through the table of function pointers below, which is
// filled by dlopen/dlsym the first time a parse asks for it.
//
// Which shared object is loaded:
//  - $MEMVIEW_LIBCLANG when set and not empty: that path (or name, searched by dlopen) and
//    nothing else, so that a wrong override fails clearly instead of silently using another
//    libclang (tests also use it to check the failure message);
//  - otherwise the libclang CMake found at build time (MEMVIEW_LIBCLANG_PATH, its SONAME
//    path), then the names "libclang-14.so.13", "libclang-14.so.1", "libclang.so" searched
//    by dlopen.
//
// Promises:
//  - load_libclang() is thread-safe: the first call loads, concurrent callers wait for it,
//    later calls return the same answer without work. The library is never unloaded.
//  - Failure (file missing, wrong library, a missing symbol) is an Error, never an abort:
//    "struct layouts need libclang: cannot load <path>: <dlerror()>".
//  - LIBCLANG_DISABLE_CRASH_RECOVERY=1 is in the environment before libclang is loaded
//    (see libclang_loader.cpp).
#pragma once

#include <clang-c/Index.h>  // types and signatures only: nothing here links libclang

#include "memview/result.h"

// Every libclang function the layout engine calls, without the "clang_" prefix.
#define MEMVIEW_LIBCLANG_FUNCTIONS(X) \
  X(CXXMethod_isVirtual)              \
  X(Cursor_getOffsetOfField)          \
  X(Cursor_isAnonymous)               \
  X(Cursor_isBitField)                \
  X(Cursor_isNull)                    \
  X(Location_isFromMainFile)          \
  X(Type_getAlignOf)                  \
  X(Type_getNumTemplateArguments)     \
  X(Type_getSizeOf)                   \
  X(Type_getValueType)                \
  X(Type_visitFields)                 \
  X(createIndex)                      \
  X(disposeDiagnostic)                \
  X(disposeIndex)                     \
  X(disposeString)                    \
  X(disposeTranslationUnit)           \
  X(getArrayElementType)              \
  X(getArraySize)                     \
  X(getCString)                       \
  X(getCanonicalType)                 \
  X(getCursorDefinition)              \
  X(getCursorKind)                    \
  X(getCursorLocation)                \
  X(getCursorSpelling)                \
  X(getCursorType)                    \
  X(getCursorUSR)                     \
  X(getDiagnostic)                    \
  X(getDiagnosticLocation)            \
  X(getDiagnosticSeverity)            \
  X(getDiagnosticSpelling)            \
  X(getEnumConstantDeclUnsignedValue) \
  X(getEnumConstantDeclValue)         \
  X(getEnumDeclIntegerType)           \
  X(getFieldDeclBitWidth)             \
  X(getNumDiagnostics)                \
  X(getPresumedLocation)              \
  X(getTranslationUnitCursor)         \
  X(getTypeDeclaration)               \
  X(getTypeSpelling)                  \
  X(getTypedefDeclUnderlyingType)     \
  X(isCursorDefinition)               \
  X(isAttribute)                      \
  X(isInvalidDeclaration)             \
  X(isVirtualBase)                    \
  X(parseTranslationUnit2)            \
  X(toggleCrashRecovery)              \
  X(visitChildren)

namespace memview::layout_detail {

// clang_NAME is reached as table.NAME(...), with clang_NAME's exact signature.
struct LibClang {
// NAME is a member's name here, which parentheses would not allow.
#define MEMVIEW_LIBCLANG_MEMBER(name) \
  decltype(&::clang_##name) name = nullptr;  // NOLINT(bugprone-macro-parentheses)
  MEMVIEW_LIBCLANG_FUNCTIONS(MEMVIEW_LIBCLANG_MEMBER)
#undef MEMVIEW_LIBCLANG_MEMBER
};

// The loaded table (every member non-null), or why libclang could not be loaded
// (Errc::unsupported). The pointer stays valid for the life of the process.
const Result<const LibClang*>& load_libclang();

}  // namespace memview::layout_detail
