// swift-tools-version:6.0
// MM-Interleaved from Scratch: one package holding the library (one module per chapter
// topic), one executable per chapter, the tools (Doctor, Bench, BookBuilder) and tests.
import PackageDescription

let package = Package(
  name: "MMInterleavedFromScratch",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // `make docs`: the library's API reference, built by DocC.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
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
    .target(name: "Platform", dependencies: ["CSupport"]),
    // BLAS: OpenBLAS on Linux; Accelerate on macOS (untested: see the README).
    .target(
      name: "Autograd",
      dependencies: [
        "Platform", "CSupport",
        .target(name: "COpenBLAS", condition: .when(platforms: [.linux])),
      ],
      linkerSettings: [.linkedFramework("Accelerate", .when(platforms: [.macOS]))]),
    .target(name: "Layers", dependencies: ["Autograd"]),
    .target(name: "Datasets", dependencies: ["Autograd"]),
    .target(name: "Vision", dependencies: ["Autograd", "Layers"]),
    .target(name: "Resampler", dependencies: ["Autograd", "Layers", "Vision"]),
    .target(name: "Synchronizer", dependencies: ["Autograd", "Layers"]),
    .target(name: "Language", dependencies: ["Autograd", "Layers"]),
    .target(name: "Diffusion", dependencies: ["Autograd", "Layers"]),
    // Chapter 8: the whole model, built from the modules above.
    .target(
      name: "Interleaved",
      dependencies: [
        "Autograd", "Layers", "Vision", "Resampler", "Synchronizer", "Language",
        "Diffusion",
      ]),
    // Chapter 9: what MMI-Tiny trains on, and in which order.
    .target(
      name: "Training",
      dependencies: [
        "Autograd", "Platform", "Layers", "Datasets", "Vision", "Language", "Interleaved",
      ]),
    // Chapter 10: generation, the metrics, the ablations.
    .target(
      name: "Evaluation",
      dependencies: [
        "Autograd", "Platform", "Layers", "Datasets", "Vision", "Language", "Diffusion",
        "Interleaved", "Training",
      ]),
    .target(
      name: "Notebook",
      dependencies: [
        "Autograd", "CPNG",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // What every chapter's exercise checkers share; the solutions, apart from the text.
    .target(name: "Exercises", dependencies: ["Autograd"], path: "Exercises/Support"),
    .target(
      name: "Solutions",
      dependencies: ["Autograd", "Layers", "Datasets", "Language", "Interleaved"],
      path: "Exercises/Solutions", exclude: ["Answers.md"]),
  ]
    // The chapters, one line each: the literate executable (`swift run -c release
    // Chapter05`, Chapters/Chapter05) and its exercise checkers (Exercises/Chapter05),
    // with the library modules the chapter teaches (Autograd always).
    + chapter(1, uses: [])
    + chapter(2, uses: ["Layers", "Datasets"])
    + chapter(3, uses: ["Layers", "Datasets", "Vision"])
    + chapter(4, uses: ["Layers", "Datasets", "Vision", "Resampler"])
    + chapter(5, uses: ["Layers", "Datasets", "Vision", "Resampler", "Synchronizer"])
    + chapter(6, uses: ["Layers", "Datasets", "Language"])
    + chapter(7, uses: ["Layers", "Datasets", "Diffusion"])
    + chapter(
      8,
      uses: [
        "Layers", "Datasets", "Vision", "Resampler", "Synchronizer", "Language",
        "Diffusion", "Interleaved",
      ])
    + chapter(
      9,
      uses: [
        "Layers", "Datasets", "Vision", "Language", "Diffusion", "Interleaved",
        "Training", "Platform",
      ])
    + chapter(
      10,
      uses: [
        "Layers", "Datasets", "Vision", "Language", "Diffusion", "Interleaved",
        "Training", "Evaluation", "Platform",
      ])
    // Appendix A, performance engineering: what makes the engine fast, measured.
    + appendix(
      "A",
      uses: [
        "Layers", "Vision", "Resampler", "Synchronizer", "Language", "Diffusion",
        "Interleaved", "Platform",
      ])
    // Appendix B, from MMI-Tiny to the paper's 13B: the PyTorch twin, data-parallel
    // training and what changes at scale.
    + appendix(
      "B",
      uses: ["Layers", "Language", "Synchronizer", "Diffusion", "Interleaved", "Platform"])
    + [
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
        "Interleaved", "Training", "Notebook",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Chapter 10's command for readers: the trained model continues a document.
    .executableTarget(
      name: "Generate",
      dependencies: [
        "Autograd", "Platform", "Layers", "Datasets", "Language", "Interleaved",
        "Evaluation", "Notebook",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // The cases the PyTorch twin (Reference/) is checked against: `make parity`.
    .executableTarget(
      name: "Parity",
      dependencies: [
        "Autograd", "Platform", "Layers", "Vision", "Resampler", "Synchronizer",
        "Language", "Diffusion", "Interleaved", "Training", "Notebook",
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
    .testTarget(name: "LayersTests", dependencies: ["Layers", "TestSupport"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "VisionTests", dependencies: ["Vision", "Datasets", "TestSupport"]),
    .testTarget(name: "ResamplerTests", dependencies: ["Resampler"]),
    .testTarget(name: "SynchronizerTests", dependencies: ["Synchronizer"]),
    .testTarget(name: "LanguageTests", dependencies: ["Language", "TestSupport"]),
    .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "TestSupport"]),
    .testTarget(
      name: "InterleavedTests",
      dependencies: [
        "Interleaved", "Language", "Layers", "Synchronizer", "Diffusion", "TestSupport",
      ]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "Interleaved", "Language", "Datasets", "Layers", "Vision",
      ]),
    .testTarget(
      name: "EvaluationTests",
      dependencies: [
        "Evaluation", "Training", "Interleaved", "Language", "Datasets", "Vision",
        "Notebook", "Platform",
      ]),
    .testTarget(
      name: "NotebookTests", dependencies: ["Notebook", "Autograd", "TestSupport"]),
    .testTarget(name: "BookBuilderTests", dependencies: ["BookBuilder"]),
    .testTarget(
      name: "ExercisesTests",
      dependencies: (1...10).map { .target(name: exercisesName($0)) } + [
        "ExercisesA", "ExercisesB", "Exercises", "Solutions", "Datasets", "Language",
        "Interleaved",
      ]),
  ]
)

/// `Exercises05` for chapter 5.
func exercisesName(_ number: Int) -> String {
  "Exercises" + (number < 10 ? "0\(number)" : "\(number)")
}

/// Appendix `letter`'s two targets, as a chapter's: its exercise checkers
/// (Exercises/AppendixA, module ExercisesA) and the literate appendix
/// (Chapters/AppendixA, executable AppendixA).
func appendix(_ letter: String, uses modules: [String]) -> [Target] {
  let library = (["Autograd"] + modules).map { Target.Dependency.target(name: $0) }
  return [
    .target(
      name: "Exercises" + letter, dependencies: ["Exercises"] + library,
      path: "Exercises/Appendix" + letter),
    .executableTarget(
      name: "Appendix" + letter,
      dependencies: library + [
        "Notebook", "Exercises", .target(name: "Exercises" + letter),
      ],
      path: "Chapters/Appendix" + letter),
  ]
}

/// Chapter `number`'s two targets: its exercise checkers (Exercises/ChapterNN) and the
/// literate chapter itself (Chapters/ChapterNN), both using Autograd and `modules`.
func chapter(_ number: Int, uses modules: [String]) -> [Target] {
  let name = "Chapter" + (number < 10 ? "0\(number)" : "\(number)")
  let library = (["Autograd"] + modules).map { Target.Dependency.target(name: $0) }
  return [
    .target(
      name: exercisesName(number), dependencies: ["Exercises"] + library,
      path: "Exercises/\(name)"),
    .executableTarget(
      name: name,
      dependencies: library + [
        "Notebook", "Exercises", .target(name: exercisesName(number)),
      ],
      path: "Chapters/\(name)"),
  ]
}
