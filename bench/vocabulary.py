"""The words of the benchmark corpus (bench/corpus.py): topics, tags, sentence templates.

Forty topics in seven areas, each with its words (Chinese and English, as the demo articles
mix them), its tags and the name of its series; the tag vocabulary (~200 names: the areas',
the topics' and a long tail); common words and the sentences the prose is made of.
"""

from dataclasses import dataclass

# Topics: area, Chinese name, words (Chinese and English, |-separated), tags, series names.
AREAS = {
    "llm": ("LLM", ["大模型", "Transformer", "推理加速", "训练"]),
    "rl": ("强化学习", ["RL", "深度强化学习", "策略梯度"]),
    "cv": ("计算机视觉", ["深度学习", "CNN", "图像"]),
    "dl": ("深度学习", ["训练", "GPU", "PyTorch"]),
    "algo": ("算法", ["LeetCode", "数据结构", "面试"]),
    "sys": ("GPU", ["CUDA", "系统", "性能优化"]),
    "math": ("数学", ["概率论", "线性代数", "优化"]),
}
_TOPIC_ROWS = [
    ("llm", "注意力", "注意力|自注意力|多头注意力|softmax|query|key|value|缩放点积|掩码|causal mask",
     "Attention|注意力|多头注意力", "注意力机制详解"),
    ("llm", "FlashAttention", "FlashAttention|online softmax|分块计算|显存带宽|tiling|SRAM|HBM|重计算",
     "FlashAttention|注意力|IO 感知", "FlashAttention 笔记"),
    ("llm", "KV 缓存", "键值缓存|KV cache|分页注意力|PagedAttention|显存碎片|预填充|prefill|解码阶段",
     "KV Cache|推理加速|vLLM", "大模型推理加速"),
    ("llm", "投机解码", "投机解码|草稿模型|接受率|speculative decoding|draft model|verification|拒绝采样",
     "投机解码|推理加速|采样", "大模型推理加速"),
    ("llm", "Medusa", "多头解码|树注意力|Medusa|candidate tree|typical acceptance|候选序列",
     "Medusa|投机解码|树注意力", "大模型推理加速"),
    ("llm", "多 token 预测", "多token预测|预测头|multi-token prediction|MTP|DeepSeek|auxiliary loss|辅助损失",
     "MTP|DeepSeek-V3|预训练", "DeepSeek 论文精读"),
    ("llm", "量化", "量化|低比特|校准|INT8|GPTQ|AWQ|per-channel|离群值|outlier",
     "量化|INT8|GPTQ|AWQ|模型压缩", "模型压缩笔记"),
    ("llm", "混合专家", "混合专家|专家路由|负载均衡|MoE|top-k gating|router|专家并行",
     "MoE|专家路由|稀疏模型", "MoE 读书笔记"),
    ("llm", "位置编码", "位置编码|旋转位置编码|RoPE|ALiBi|外推|长度外推|NTK-aware",
     "RoPE|位置编码|长上下文", "Transformer 细节"),
    ("llm", "RLHF", "人类反馈|奖励模型|偏好数据|RLHF|DPO|preference|KL 惩罚|对齐",
     "RLHF|DPO|对齐|奖励模型", "对齐技术笔记"),
    ("llm", "LoRA", "低秩适配|LoRA|QLoRA|adapter|微调|参数高效|rank",
     "LoRA|微调|PEFT", "微调实战"),
    ("llm", "分布式训练", "数据并行|张量并行|流水线并行|ZeRO|FSDP|all-reduce|通信开销|Megatron",
     "分布式训练|ZeRO|并行计算|NCCL", "大模型训练工程"),
    ("llm", "分词", "分词器|BPE|词表|tokenizer|SentencePiece|字节回退|merge",
     "Tokenizer|BPE|NLP", "Transformer 细节"),
    ("rl", "蒙特卡洛", "蒙特卡洛|采样|重要性采样|episode|return|首次访问|回报",
     "蒙特卡洛|重要性采样|采样", "强化学习基础"),
    ("rl", "时序差分", "时序差分|值函数|自举|Q-learning|bootstrap|SARSA|TD 误差|资格迹",
     "时序差分|Q-learning|SARSA|TD", "强化学习基础"),
    ("rl", "PPO", "策略梯度|优势函数|裁剪目标|PPO|policy gradient|GAE|reward|clip",
     "PPO|策略梯度|Actor-Critic", "强化学习基础"),
    ("rl", "DQN", "函数近似|经验回放|目标网络|DQN|replay buffer|Double DQN|致命三要素",
     "DQN|函数近似|经验回放", "深度强化学习"),
    ("rl", "多臂老虎机", "多臂老虎机|探索与利用|UCB|Thompson sampling|regret|ε-贪心",
     "Bandit|探索与利用|UCB", "强化学习基础"),
    ("rl", "基于模型的强化学习", "环境模型|规划|Dyna|MCTS|world model|rollout|模型误差",
     "Model-based RL|MCTS|规划", "深度强化学习"),
    ("rl", "离线强化学习", "离线强化学习|分布偏移|保守估计|CQL|offline RL|behavior cloning",
     "离线强化学习|CQL|模仿学习", "深度强化学习"),
    ("cv", "卷积", "卷积|卷积核|池化|感受野|特征图|convolution|kernel|stride|padding",
     "卷积|CNN|感受野", "卷积网络笔记"),
    ("cv", "空洞卷积", "空洞卷积|膨胀率|感受野|网格效应|dilated convolution|atrous|DeepLab",
     "空洞卷积|Dilated|DeepLab", "卷积网络笔记"),
    ("cv", "语义分割", "语义分割|像素准确率|交并比|MIoU|mask|decoder|Dice|边界",
     "语义分割|评价指标|U-Net", "图像分割"),
    ("cv", "分割一切", "分割一切|提示编码器|图像编码器|Segment Anything|prompt|ViT|掩码解码器",
     "SAM|基础模型|语义分割", "图像分割"),
    ("cv", "目标检测", "目标检测|锚框|非极大值抑制|YOLO|NMS|anchor|边框回归|FPN",
     "目标检测|YOLO|FPN|NMS", "检测算法笔记"),
    ("cv", "视觉 Transformer", "视觉Transformer|图像块|patch embedding|ViT|class token|DeiT|Swin",
     "ViT|Swin Transformer|自监督", "视觉 Transformer"),
    ("cv", "扩散模型", "扩散模型|去噪|噪声调度|diffusion|DDPM|DDIM|sampler|classifier-free guidance",
     "扩散模型|DDPM|生成模型|Stable Diffusion", "生成模型笔记"),
    ("dl", "混合精度", "混合精度|损失缩放|半精度|BF16|FP16|loss scaling|GradScaler|溢出",
     "混合精度|FP16|BF16", "训练技巧"),
    ("dl", "优化器", "梯度下降|学习率|动量|Adam|AdamW|weight decay|warmup|余弦退火",
     "优化器|Adam|学习率调度", "训练技巧"),
    ("dl", "归一化", "批归一化|层归一化|BatchNorm|LayerNorm|RMSNorm|内部协变量偏移|均值方差",
     "归一化|BatchNorm|LayerNorm", "训练技巧"),
    ("dl", "正则化", "正则化|丢弃法|Dropout|权重衰减|数据增强|label smoothing|过拟合",
     "正则化|Dropout|过拟合", "训练技巧"),
    ("dl", "图神经网络", "图神经网络|消息传递|邻接矩阵|GNN|message passing|node embedding|GCN|GAT",
     "GNN|图神经网络|GCN", "图学习笔记"),
    ("algo", "双指针", "双指针|左右指针|快慢指针|two pointers|滑动窗口|有序数组",
     "双指针|滑动窗口|数组", "LeetCode 题解"),
    ("algo", "二分查找", "二分查找|左闭右开|插入位置|binary search|lower bound|循环不变量",
     "二分查找|数组|边界条件", "LeetCode 题解"),
    ("algo", "动态规划", "动态规划|状态转移|最优子结构|DP|记忆化|背包问题|滚动数组",
     "动态规划|背包问题|记忆化搜索", "LeetCode 题解"),
    ("algo", "图算法", "广度优先搜索|深度优先搜索|拓扑排序|BFS|DFS|Dijkstra|并查集|最短路",
     "BFS|DFS|最短路|并查集|拓扑排序", "算法模板"),
    ("algo", "单调栈", "单调栈|单调队列|下一个更大元素|monotonic stack|接雨水|柱状图",
     "单调栈|栈|队列", "算法模板"),
    ("sys", "CUDA 核函数", "核函数|线程块|共享内存|warp|CUDA kernel|occupancy|合并访存|bank conflict",
     "CUDA|核函数|Triton|共享内存", "GPU 编程"),
    ("sys", "性能分析", "性能分析|算术强度|屋顶线模型|roofline|profiler|Nsight|访存受限|计算受限",
     "性能分析|Roofline|Nsight", "GPU 编程"),
    ("math", "概率与估计", "期望|方差|最大似然|贝叶斯|KL 散度|entropy|交叉熵|共轭先验",
     "概率论|最大似然|信息论|KL 散度", "机器学习中的数学"),
    ("math", "矩阵分解", "特征值|奇异值分解|SVD|低秩近似|正交矩阵|PCA|条件数",
     "线性代数|SVD|PCA|矩阵分析", "机器学习中的数学"),
    ("math", "凸优化", "凸函数|拉格朗日对偶|KKT 条件|梯度|Hessian|牛顿法|次梯度",
     "凸优化|对偶|牛顿法", "机器学习中的数学"),
]  # fmt: skip


@dataclass(frozen=True)
class Topic:
    area: str
    name: str
    words: tuple
    tags: tuple
    series: str


TOPICS = [
    Topic(area, name, tuple(words.split("|")), tuple(tags.split("|")), series)
    for area, name, words, tags, series in _TOPIC_ROWS
]
LONG_TAIL = [
    "笔记", "论文", "代码", "复现", "总结", "入门", "踩坑", "工程实践", "源码阅读", "推导",
    "Python", "NumPy", "JAX", "Hugging Face", "开源", "基准测试", "可视化", "调参",
    "数值稳定性", "显存优化", "部署", "ONNX", "TensorRT", "算子融合", "知识蒸馏", "对比学习",
    "多模态", "CLIP", "RAG", "Agent", "思维链", "提示工程", "指令微调", "评测", "贪心",
    "排序", "哈希表", "链表", "字符串", "位运算", "损失函数", "激活函数", "残差连接", "初始化",
    "梯度消失", "反向传播", "自动微分"
]  # fmt: skip
# The vocabulary: every area's tags, every topic's, and a long tail (≈190 names, case-insensitively unique).
TAGS = sorted(
    {name.lower(): name for name in [t for a in AREAS.values() for t in (a[0], *a[1])]
     + [t for topic in TOPICS for t in topic.tags] + LONG_TAIL}.values()
)  # fmt: skip

COMMON = [
    "模型", "参数", "梯度", "显存", "延迟", "吞吐", "数据", "样本", "批量", "序列", "向量",
    "矩阵", "维度", "精度", "误差", "损失", "目标", "约束", "估计", "方差", "偏差", "复杂度",
    "开销", "瓶颈", "结构", "输入", "输出", "中间结果", "上界", "下界", "收敛", "稳定性", "实现",
    "推导", "近似", "假设", "边界", "基线", "实验", "指标", "结论"
]  # fmt: skip
EN_TERMS = [
    "baseline", "throughput", "latency", "batch size", "memory footprint", "trade-off", "speedup", "overhead",
    "ablation", "warm start", "fine-tuning", "checkpoint", "kernel launch",
]  # fmt: skip

# Sentences: {a} {b} topic words, {c} a common word, {f} an inline formula, {n} a number, {e} an English term.
ZH = [
    "这一步的关键在于{a}，它决定了{c}的大小。", "我们首先回顾{a}的基本定义，再看它和{b}之间的关系。",
    "实验表明，{a}在{c}上明显优于{b}，差距约为 {n}%。", "需要注意的是，当 {f} 时{a}并不成立。",
    "在实际工程中，{a}往往受限于{c}，而不是{b}本身。", "从直觉上理解，{a}相当于在{c}和{b}之间做了一次折中。",
    "下面给出推导：把 {f} 代入上式，就得到{a}的表达式。", "可以证明，{a}的期望等于 {f}，也就是{c}的无偏估计。",
    "这样做的代价是{c}增加了大约 {n} 倍，换来的是{a}更稳定。", "与{b}相比，{a}只需要 {f} 的额外开销。",
    "为了降低{c}，常见的做法是先算{a}，再把结果交给{b}。", "在大规模训练中，{a}几乎总是和{b}一起出现。",
    "一个常见的误区是把{a}等同于{b}，二者的{c}完全不同。", "结果如下表所示，{a}的{c}随 {f} 线性增长。",
    "换句话说，{a}把问题化归成了关于 {f} 的{c}问题。", "**{a}**的本质是对{c}的一种重新组织。",
    "注意这里的 {f} 是一个{c}，而不是标量。", "如果去掉{a}，{b}的{c}会上升到原来的 {n} 倍左右。",
    "这也解释了为什么 {e} 对{a}如此敏感。", "原论文把这一点称为「{a}」，并用 {f} 来刻画它。",
    "{a}和{b}的区别可以概括为一句话：前者关心{c}，后者关心 {f}。", "当 {f} 足够大时，{c}几乎可以忽略。",
    "我们用 {e} 来衡量{a}，它比单看{c}更能说明问题。", "把{a}写成矩阵形式，{c}就一目了然了。",
    "直接套用{b}会遇到{c}的问题，这正是{a}要解决的。", "第 {n} 步之后，{a}基本收敛，{c}不再下降。",
]  # fmt: skip
EN = [
    "In practice, {a} and {b} are tuned together.", "The {e} stays almost flat as {f} grows.",
    "Under the same budget, {a} wins by about {n}%.", "This trick keeps {a} exact while saving {e}.",
    "On long sequences the cost of {a} is dominated by {f}.", "The key step is {a}: it sets the {c}.",
    "We first recall the definition of {a}, then relate it to {b}.", "Note that {a} fails when {f}.",
    "Intuitively, {a} trades {c} for {b}.", "Substituting {f} gives the form of {a} used below.",
    "One can show that the expectation of {a} is {f}, an unbiased estimate of the {c}.",
    "A common mistake is to treat {a} as {b}; their {c} differs entirely.", "The table below lists {a} against {b}.",
    "In other words, {a} reduces the problem to a {c} problem in {f}.", "Here {f} is a {c}, not a scalar.",
    "Without {a}, the {c} of {b} grows about {n}-fold.", "This explains why {e} matters so much for {a}.",
    "The paper calls this {a} and measures it with {f}.", "Written as matrices, the {c} of {a} is plain to see.",
    "After {n} steps {a} has converged and the {c} stops falling.", "Compared with {b}, {a} costs only {f} more.",
]  # fmt: skip
COMMON_EN = [
    "model", "parameter", "gradient", "memory", "latency", "throughput", "data", "sample", "batch", "sequence",
    "vector", "matrix", "dimension", "precision", "error", "loss", "objective", "constraint", "estimate",
    "variance", "bias", "complexity", "cost", "bottleneck", "bound"
]  # fmt: skip
