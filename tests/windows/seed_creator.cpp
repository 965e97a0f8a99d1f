// The creating process of the plain Win32 two-process example memview must work with:
// CreateFileMapping(hFile, NULL, PAGE_READWRITE, ...) with a name, then MapViewOfFile with
// FILE_MAP_ALL_ACCESS. Then it keeps a counter running and reports what others write.
//
//   seed_creator NAME [--size N] [--file PATH]
//     --file PATH  back the mapping with a file (hFile) instead of INVALID_HANDLE_VALUE
//
// Layout of the mapping:
//   0x00 char[16]  "memview seed"
//   0x10 uint32    counter, +1 every 10 ms
//   0x14 uint32    this process's id
//   0x40 uint32    inbox: each new value is printed as "inbox 0xXXXXXXXX"
//   0x60 uint8     quit: nonzero ends the program
// Prints "view 0xADDRESS pid PID" and "ready" once the view exists; ends by itself after
// 300 s.
#include <windows.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static void ErrorHandler(const char* what) {
  std::fprintf(stderr, "seed_creator: %s (error %lu)\n", what, GetLastError());
  std::exit(1);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: seed_creator NAME [--size N] [--file PATH]\n");
    return 2;
  }
  const char* name = argv[1];
  DWORD size = 4096;
  const char* path = nullptr;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--size" && i + 1 < argc)
      size = std::strtoul(argv[++i], nullptr, 0);
    else if (a == "--file" && i + 1 < argc)
      path = argv[++i];
  }

  HANDLE hFile = INVALID_HANDLE_VALUE;
  if (path) {
    hFile = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                        NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (hFile == INVALID_HANDLE_VALUE) ErrorHandler("Could not create the file.");
    // The mapping covers the whole file (size 0, 0): give the file its size first.
    SetFilePointer(hFile, static_cast<LONG>(size), NULL, FILE_BEGIN);
    if (!SetEndOfFile(hFile)) ErrorHandler("Could not size the file.");
  }

  HANDLE hMapFile;
  hMapFile = CreateFileMappingA(hFile,            // Current file handle.
                                NULL,             // Default security.
                                PAGE_READWRITE,   // Read/write permission.
                                0,                // Max. object size.
                                path ? 0 : size,  // Size of hFile.
                                name);            // Name of mapping object.
  if (hMapFile == NULL) {
    ErrorHandler("Could not create file-mapping object.");
  }

  LPVOID lpMapAddress;
  lpMapAddress = MapViewOfFile(hMapFile,             // Handle to mapping object.
                               FILE_MAP_ALL_ACCESS,  // Read/write permission
                               0,                    // Max. object size.
                               0,                    // Size of hFile.
                               0);                   // Map entire file.
  if (lpMapAddress == NULL) {
    ErrorHandler("Could not map view of file.");
  }

  volatile unsigned char* mem = static_cast<volatile unsigned char*>(lpMapAddress);
  const char magic[16] = "memview seed";
  for (int i = 0; i < 16; ++i) mem[i] = static_cast<unsigned char>(magic[i]);
  *reinterpret_cast<volatile uint32_t*>(mem + 0x14) = GetCurrentProcessId();
  std::printf("view 0x%llx pid %lu\n",
              static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(lpMapAddress)),
              GetCurrentProcessId());
  std::printf("ready\n");
  std::fflush(stdout);

  uint32_t inbox = *reinterpret_cast<volatile uint32_t*>(mem + 0x40);
  for (int tick = 0; tick < 30000; ++tick) {
    volatile uint32_t* counter = reinterpret_cast<volatile uint32_t*>(mem + 0x10);
    *counter = *counter + 1;
    const uint32_t now = *reinterpret_cast<volatile uint32_t*>(mem + 0x40);
    if (now != inbox) {
      inbox = now;
      std::printf("inbox 0x%08x\n", static_cast<unsigned>(now));
      std::fflush(stdout);
    }
    if (mem[0x60] != 0) break;
    Sleep(10);
  }
  std::printf("bye\n");
  std::fflush(stdout);
  UnmapViewOfFile(lpMapAddress);
  CloseHandle(hMapFile);
  if (hFile != INVALID_HANDLE_VALUE) CloseHandle(hFile);
  return 0;
}
