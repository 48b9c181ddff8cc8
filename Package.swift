// swift-tools-version:6.0
// MM-Interleaved from Scratch: one package holding the library (one module per chapter
// topic), one executable per chapter, the tools (Doctor, Bench, BookBuilder) and tests.
import PackageDescription

let package = Package(
  name: "MMInterleavedFromScratch",
  platforms: [.macOS(.v14)],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // System libraries: OpenBLAS for matrix multiply, libpng for figures.
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
    .systemLibrary(
      name: "CPNG", pkgConfig: "libpng16",
      providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),

    // The library, in chapter order: a module imports only earlier ones.
    .target(name: "CSupport"),
    // The one seam to the operating system (the C library, files).
    .target(name: "Platform"),
    .target(name: "Autograd", dependencies: ["Platform", "COpenBLAS", "CSupport"]),
    .target(name: "Layers", dependencies: ["Autograd"]),
    .target(name: "Datasets", dependencies: ["Autograd"]),
    .target(name: "Vision", dependencies: ["Autograd", "Layers"]),
    .target(name: "Resampler", dependencies: ["Autograd", "Layers", "Vision"]),
    .target(name: "Synchronizer", dependencies: ["Autograd", "Layers"]),
    .target(name: "Language", dependencies: ["Autograd", "Layers"]),
    .target(name: "Diffusion", dependencies: ["Autograd", "Layers"]),
    .target(
      name: "Notebook",
      dependencies: [
        "Autograd", "CPNG",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Exercise checkers, one module per chapter (a chapter links only what it teaches).
    .target(name: "Exercises", dependencies: ["Autograd"]),
    .target(name: "Exercises02", dependencies: ["Exercises", "Layers"]),
    .target(name: "Exercises03", dependencies: ["Exercises", "Datasets", "Vision"]),
    .target(name: "Exercises04", dependencies: ["Exercises", "Resampler"]),
    .target(name: "Exercises05", dependencies: ["Exercises", "Synchronizer"]),
    .target(name: "Exercises06", dependencies: ["Exercises", "Language"]),
    .target(name: "Exercises07", dependencies: ["Exercises", "Diffusion"]),
    .target(
      name: "Solutions", dependencies: ["Autograd", "Layers", "Datasets"],
      path: "Solutions"),

    // The chapters: literate executables (`swift run -c release Chapter01`).
    .executableTarget(
      name: "Chapter01", dependencies: ["Autograd", "Notebook", "Exercises"],
      path: "Chapters/Chapter01"),
    .executableTarget(
      name: "Chapter02",
      dependencies: ["Autograd", "Layers", "Datasets", "Notebook", "Exercises02"],
      path: "Chapters/Chapter02"),

    .executableTarget(
      name: "Chapter03",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Vision", "Notebook", "Exercises03",
      ],
      path: "Chapters/Chapter03"),

    .executableTarget(
      name: "Chapter04",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Vision", "Resampler", "Notebook",
        "Exercises04",
      ],
      path: "Chapters/Chapter04"),

    .executableTarget(
      name: "Chapter05",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Vision", "Resampler", "Synchronizer", "Notebook",
        "Exercises05",
      ],
      path: "Chapters/Chapter05"),

    .executableTarget(
      name: "Chapter06",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Language", "Notebook", "Exercises06",
      ],
      path: "Chapters/Chapter06"),

    .executableTarget(
      name: "Chapter07",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Diffusion", "Notebook", "Exercises07",
      ],
      path: "Chapters/Chapter07"),

    // Tools.
    .executableTarget(
      name: "Doctor",
      dependencies: [
        "Autograd", "Notebook",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "Bench",
      dependencies: [
        "Autograd", "Layers", "Datasets", "Vision", "Synchronizer", "Language", "Diffusion",
        "Notebook", "COpenBLAS",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "BookBuilder",
      dependencies: [
        "Notebook", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Tests (Swift Testing only), with helpers several test targets share.
    .target(
      name: "TestSupport", dependencies: ["Autograd", "Layers"], path: "Tests/TestSupport"),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
    .testTarget(name: "LayersTests", dependencies: ["Layers"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "VisionTests", dependencies: ["Vision", "Datasets", "TestSupport"]),
    .testTarget(name: "ResamplerTests", dependencies: ["Resampler"]),
    .testTarget(name: "SynchronizerTests", dependencies: ["Synchronizer"]),
    .testTarget(name: "LanguageTests", dependencies: ["Language", "TestSupport"]),
    .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "TestSupport"]),
    .testTarget(name: "NotebookTests", dependencies: ["Notebook"]),
    .testTarget(name: "BookBuilderTests", dependencies: ["BookBuilder"]),
    .testTarget(
      name: "SolutionsTests",
      dependencies: [
        "Exercises", "Exercises02", "Exercises03", "Exercises04", "Exercises05",
        "Exercises06", "Exercises07", "Solutions", "Datasets", "Language",
      ]),
  ]
)
